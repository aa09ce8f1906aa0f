/**
 * How other peers reach the cafe: the relays it keeps reservations on (configured in the
 * console and kept in the datastore at /cafe/config/relays, or given for this session
 * only, e.g. by `?relay=` on the cafe page), the cafe address made of its circuit and
 * WebRTC addresses, the WebRTC bridge's host, and the connections it has now.
 */
import { multiaddr, CODE_P2P } from '@multiformats/multiaddr'
import { Key } from 'interface-datastore'
import { encodeCafeAddress } from '../core/address/index.ts'
import { BadRequestError } from '../core/errors.ts'
import { getOrUndefined } from '../core/util/datastore.ts'
import { keepReservations } from '../node/reservations.ts'
import { transportOf, type TransportName } from '../client/connect.ts'
import type { WebRtcBridge, WebRtcBridgeStatus } from './webrtc/bridge.ts'
import type { AbortOptions } from '../core/types.ts'
import type { ComponentLogger, Libp2p, Logger } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'
import type { ReservationKeeper, RelayReservationState } from '../node/reservations.ts'

export const RELAYS_KEY = new Key('/cafe/config/relays')

export interface RelayStatus {
  relay: string
  reserved: boolean
  /** the cafe's circuit addresses through this relay */
  addresses: string[]
  error?: string
  /** ms since epoch of the last change */
  since: number
  /** kept in the cafe's datastore (else: for this session only) */
  saved: boolean
}

export interface PeerConnectionStatus {
  peer: string
  remoteAddr: string
  transport: TransportName
  direction: 'inbound' | 'outbound'
  /** a relayed connection with a data or time limit */
  limited: boolean
  openedAt: number
  streams: number
  /** only for WebRTC connections carried by the bridge; libp2p 3 counts no bytes per connection */
  bytesIn?: number
  bytesOut?: number
}

export interface NetworkStatus {
  peerId: string
  relays: RelayStatus[]
  /** null until the cafe holds a reservation */
  cafeAddress: string | null
  connections: PeerConnectionStatus[]
  /** null where the context has its own RTCPeerConnection (no bridge needed) */
  webrtc: WebRtcBridgeStatus | null
}

export interface CafeNetworkComponents {
  libp2p: Libp2p
  datastore: Datastore
  logger: ComponentLogger
  /** the SharedWorker's WebRTC bridge, if it has one */
  bridge?: WebRtcBridge
}

export interface CafeNetworkInit {
  /** keeper check period; default 3 s */
  retryMs?: number
  /** one reservation attempt; default 10 s */
  timeoutMs?: number
}

export interface CafeNetwork {
  status(): NetworkStatus
  /** starts keeping a reservation on `relay`; `save` keeps it across restarts (default true) */
  addRelay(relay: string, options?: AbortOptions & { save?: boolean }): Promise<NetworkStatus>
  removeRelay(relay: string, options?: AbortOptions): Promise<NetworkStatus>
  stop(): void
}

/** A relay multiaddr ending in /p2p/<relay id>, normalised; BadRequestError otherwise. */
export function parseRelayAddress (text: string): string {
  let address
  try {
    address = multiaddr(text.trim())
  } catch {
    throw new BadRequestError(`${text} is not a multiaddr`, 'RELAY_ADDRESS_INVALID')
  }
  const components = address.getComponents()
  if (components.at(-1)?.code !== CODE_P2P) throw new BadRequestError('a relay address ends with /p2p/<relay peer id>', 'RELAY_ADDRESS_INVALID')
  if (components.some(component => component.name === 'p2p-circuit')) throw new BadRequestError('a relay address is the relay itself, without /p2p-circuit', 'RELAY_ADDRESS_INVALID')
  return address.toString()
}

class Network implements CafeNetwork {
  private readonly libp2p: Libp2p
  private readonly datastore: Datastore
  private readonly bridge?: WebRtcBridge
  private readonly log: Logger
  private readonly init: CafeNetworkInit
  private readonly keepers = new Map<string, { keeper: ReservationKeeper, saved: boolean }>()
  private readonly onOpen: (event: CustomEvent) => void

  constructor (components: CafeNetworkComponents, init: CafeNetworkInit) {
    this.libp2p = components.libp2p
    this.datastore = components.datastore
    this.bridge = components.bridge
    this.log = components.logger.forComponent('cafe:network')
    this.init = init
    this.onOpen = (event) => {
      const connection = event.detail as { remoteAddr: { toString(): string }, remotePeer: { toString(): string } }
      if (transportOf(connection.remoteAddr.toString()) === 'webrtc') this.bridge?.claim(connection.remotePeer.toString())
    }
    this.libp2p.addEventListener('connection:open', this.onOpen as any)
  }

  async load (options?: AbortOptions): Promise<void> {
    for (const relay of await this.saved(options)) this.keep(relay, true)
  }

  status (): NetworkStatus {
    const relays = [...this.keepers.values()].flatMap(({ keeper, saved }) => keeper.status().map(state => relayStatus(state, saved)))
    const circuits = relays.flatMap(relay => relay.addresses)
    // the WebRTC addresses first: a client tries them first
    const advertised = this.libp2p.getMultiaddrs().map(String).filter(address => address.includes('/p2p-circuit'))
    const ordered = [...advertised.filter(a => a.includes('/webrtc')), ...advertised.filter(a => !a.includes('/webrtc')), ...circuits]
    const bridged = this.bridge?.status() ?? null
    return {
      peerId: this.libp2p.peerId.toString(),
      relays,
      cafeAddress: ordered.length > 0 ? encodeCafeAddress({ peerId: this.libp2p.peerId, multiaddrs: [...new Set(ordered)].slice(0, 16) }) : null,
      connections: this.libp2p.getConnections().map(connection => {
        const transport = transportOf(connection.remoteAddr)
        const peer = connection.remotePeer.toString()
        const pc = transport === 'webrtc' ? bridged?.peerConnections.find(candidate => candidate.remotePeer === peer && candidate.connectionState === 'connected') : undefined
        return {
          peer,
          remoteAddr: connection.remoteAddr.toString(),
          transport,
          direction: connection.direction,
          limited: connection.limits != null,
          openedAt: connection.timeline.open,
          streams: connection.streams.length,
          ...(pc != null ? { bytesIn: pc.bytesIn, bytesOut: pc.bytesOut } : {})
        }
      }),
      webrtc: bridged
    }
  }

  async addRelay (relay: string, options: AbortOptions & { save?: boolean } = {}): Promise<NetworkStatus> {
    const address = parseRelayAddress(relay)
    const save = options.save ?? true
    if (save) await this.save([...new Set([...await this.saved(options), address])], options)
    const existing = this.keepers.get(address)
    if (existing == null) this.keep(address, save)
    else existing.saved ||= save
    await this.keepers.get(address)?.keeper.check(options)
    return this.status()
  }

  async removeRelay (relay: string, options: AbortOptions = {}): Promise<NetworkStatus> {
    const address = parseRelayAddress(relay)
    await this.save((await this.saved(options)).filter(saved => saved !== address), options)
    const kept = this.keepers.get(address)
    this.keepers.delete(address)
    if (kept != null) {
      kept.keeper.stop()
      const relayPeer = kept.keeper.status()[0]?.relayPeer
      if (relayPeer != null) await this.libp2p.hangUp(relayPeer, options).catch(err => { this.log.error('could not hang up on %s - %e', address, err) })
    }
    return this.status()
  }

  stop (): void {
    this.libp2p.removeEventListener('connection:open', this.onOpen as any)
    for (const { keeper } of this.keepers.values()) keeper.stop()
    this.keepers.clear()
  }

  private keep (address: string, saved: boolean): void {
    if (this.keepers.has(address)) return
    // one keeper a relay, so adding or removing one leaves the others' reservations alone
    const keeper = keepReservations(this.libp2p, [address], {
      retryMs: this.init.retryMs ?? 3_000,
      timeoutMs: this.init.timeoutMs ?? 10_000,
      onChange: ([state]) => { this.log('relay %s reserved %s %s', address, state?.reserved, state?.error ?? '') }
    })
    this.keepers.set(address, { keeper, saved })
  }

  private async saved (options?: AbortOptions): Promise<string[]> {
    const bytes = await getOrUndefined(this.datastore, RELAYS_KEY, options)
    const stored = bytes == null ? undefined : JSON.parse(new TextDecoder().decode(bytes)) as unknown
    return Array.isArray(stored) ? stored.filter((relay): relay is string => typeof relay === 'string') : []
  }

  private async save (relays: string[], options?: AbortOptions): Promise<void> {
    await this.datastore.put(RELAYS_KEY, new TextEncoder().encode(JSON.stringify(relays)), options)
  }
}

function relayStatus (state: RelayReservationState, saved: boolean): RelayStatus {
  return {
    relay: state.relay.toString(),
    reserved: state.reserved,
    addresses: state.addresses.map(String),
    ...(state.error != null ? { error: state.error } : {}),
    since: state.since,
    saved
  }
}

export async function startCafeNetwork (components: CafeNetworkComponents, init: CafeNetworkInit = {}): Promise<CafeNetwork> {
  const network = new Network(components, init)
  await network.load()
  return network
}
