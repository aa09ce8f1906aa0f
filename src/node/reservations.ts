/**
 * Keeps a reservation on each configured relay. libp2p's circuit relay transport
 * refreshes a reservation while the relay connection lives, but once that connection
 * closes (the relay restarted, the network dropped) it withdraws the `/p2p-circuit`
 * address and never reserves on a configured relay again. So this keeper checks every
 * `retryMs` (and soon after a relay connection closes) that the node advertises a
 * circuit address through each relay, and listens on `<relay>/p2p-circuit` again when
 * it does not.
 *
 * Give relays here rather than in `addresses.listen`: the keeper makes the first
 * reservation too, so the node starts even while a relay is down.
 *
 * libp2p 3 has no public way to add a listen address to a running node; this uses
 * `components.transportManager` (the `TransportManager` of @libp2p/interface-internal)
 * and keeps one circuit listener per relay, re-listening on it rather than adding one
 * listener per outage.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { CODE_P2P, multiaddr } from '@multiformats/multiaddr'
import { TimeoutError } from '../core/errors.ts'
import { withTimeout } from '../core/util/with-timeout.ts'
import type { AbortOptions, Libp2p, Listener, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface KeepReservationsInit {
  /** how often to check and retry; default 5 s */
  retryMs?: number
  /** one reservation attempt gives up after this; default 10 s */
  timeoutMs?: number
  /** called whenever a relay's state changes */
  onChange?(relays: RelayReservationState[]): void
}

export interface RelayReservationState {
  /** the relay's multiaddr, ending in /p2p/<relay id> */
  relay: Multiaddr
  relayPeer: PeerId
  reserved: boolean
  /** the node's circuit addresses through this relay */
  addresses: Multiaddr[]
  /** the last failure, until a reservation succeeds */
  error?: string
  /** when the state last changed (ms since epoch) */
  since: number
}

export interface ReservationKeeper {
  status(): RelayReservationState[]
  /** checks every relay now and reserves where needed; resolves when done */
  check(options?: AbortOptions): Promise<void>
  stop(): void
}

interface TransportManagerLike {
  listen(addrs: Multiaddr[]): Promise<void>
  getListeners(): Listener[]
}

function transportManagerOf (libp2p: Libp2p): TransportManagerLike {
  const manager = (libp2p as unknown as { components?: { transportManager?: TransportManagerLike } }).components?.transportManager
  if (manager == null || typeof manager.listen !== 'function') throw new Error('this libp2p node exposes no transport manager')
  return manager
}

function relayPeerOf (relay: Multiaddr): PeerId {
  const id = relay.getComponents().findLast(component => component.code === CODE_P2P)?.value
  if (id == null) throw new TypeError(`the relay address ${relay.toString()} must end with /p2p/<relay peer id>`)
  return peerIdFromString(id)
}

export function keepReservations (libp2p: Libp2p, relays: Array<Multiaddr | string>, init: KeepReservationsInit = {}): ReservationKeeper {
  const retryMs = init.retryMs ?? 5_000
  const timeoutMs = init.timeoutMs ?? 10_000
  const transportManager = transportManagerOf(libp2p)
  const states = relays.map(relay => {
    const ma = typeof relay === 'string' ? multiaddr(relay) : relay
    const state: RelayReservationState = { relay: ma, relayPeer: relayPeerOf(ma), reserved: false, addresses: [], since: Date.now() }
    return state
  })
  const listeners = new Map<string, Listener>()
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: Promise<void> | undefined

  const snapshot = (): RelayReservationState[] => states.map(state => ({ ...state, addresses: [...state.addresses] }))

  function update (state: RelayReservationState, addresses: Multiaddr[], error?: string): boolean {
    const reserved = addresses.length > 0
    const changed = reserved !== state.reserved || error !== state.error ||
      addresses.map(String).join() !== state.addresses.map(String).join()
    if (!changed) return false
    Object.assign(state, { reserved, addresses, error, since: Date.now() })
    return true
  }

  function circuitAddresses (relayPeer: PeerId): Multiaddr[] {
    const through = `/p2p/${relayPeer.toString()}/p2p-circuit`
    return libp2p.getMultiaddrs().filter(ma => ma.toString().includes(through))
  }

  async function reserve (state: RelayReservationState): Promise<void> {
    const key = state.relayPeer.toString()
    const address = state.relay.encapsulate('/p2p-circuit')
    const listener = listeners.get(key)
    if (listener != null) {
      await listener.listen(address)
      return
    }
    const before = new Set(transportManager.getListeners())
    try {
      await transportManager.listen([address])
    } finally {
      // keep the listener even when listening failed: the next attempt re-listens on it
      const created = transportManager.getListeners().find(candidate => !before.has(candidate))
      if (created != null) listeners.set(key, created)
    }
  }

  async function round (options: AbortOptions = {}): Promise<void> {
    let changed = false
    await Promise.all(states.map(async state => {
      const connected = libp2p.getConnections(state.relayPeer).length > 0
      let addresses = connected ? circuitAddresses(state.relayPeer) : []
      let error: string | undefined
      if (addresses.length === 0 && !stopped) {
        try {
          await withTimeout(reserve(state), timeoutMs, () => new TimeoutError(`reserving on ${state.relay.toString()} timed out after ${timeoutMs} ms`, 'RELAY_TIMEOUT'), options.signal)
          addresses = circuitAddresses(state.relayPeer)
          if (addresses.length === 0) error = 'the relay gave no reservation'
        } catch (err) {
          error = reservationError(err)
        }
      }
      if (update(state, addresses, addresses.length > 0 ? undefined : error)) changed = true
    }))
    if (changed && !stopped) init.onChange?.(snapshot())
  }

  function schedule (delayMs: number): void {
    if (stopped) return
    clearTimeout(timer)
    timer = setTimeout(() => { void check() }, delayMs)
  }

  async function check (options?: AbortOptions): Promise<void> {
    if (running != null) return running
    running = round(options).finally(() => {
      running = undefined
      schedule(retryMs)
    })
    return running
  }

  const onClose = (event: CustomEvent<{ remotePeer: PeerId }>): void => {
    if (states.some(state => state.relayPeer.equals(event.detail.remotePeer))) schedule(100)
  }
  libp2p.addEventListener('connection:close', onClose as any)
  schedule(0)

  return {
    status: snapshot,
    check,
    stop () {
      stopped = true
      clearTimeout(timer)
      libp2p.removeEventListener('connection:close', onClose as any)
    }
  }
}

/**
 * libp2p reports a failed reservation as a listen error whose text names the relay but,
 * under Node 22+ (whose native WebSocket errors carry no message), not the cause.
 */
function reservationError (err: unknown): string {
  const error = err as Error
  if (error?.name !== 'UnsupportedListenAddressesError') return error?.message ?? String(err)
  const cause = error.message.split('\n').slice(1).join(' ').replace(/\S+\/p2p-circuit:/, '').trim()
  return `could not connect to the relay or reserve a slot on it${cause === '' ? '' : `: ${cause}`}`
}
