/**
 * Connects to a cafe from its cafe address: decodes it, dials its addresses in order of
 * preference (WebRTC through a relay, then direct ones, then the relayed circuit),
 * and returns a Libp2pTransport bound to the connection it got, redialing when that
 * connection closes. A WebRTC connection is only signalled through the relay: once it is
 * open, the relayed connection used for signalling is closed, so the data goes direct.
 */
import { decodeCafeAddress, type CafeAddress } from '../core/address/index.ts'
import { UnavailableError } from '../core/errors.ts'
import { Libp2pTransport, type Libp2pTransportInit, type ProtocolDialer } from './libp2p-transport.ts'
import type { AbortOptions } from '../core/types.ts'
import type { Connection, DialOptions, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export type TransportName = 'webrtc' | 'webrtc-direct' | 'p2p-circuit' | 'webtransport' | 'websockets' | 'tcp' | 'other'

/** The transport a connection's remote address was reached over. */
export function transportOf (address: Multiaddr | string): TransportName {
  const names = new Set(typeof address === 'string'
    ? address.split('/').filter((_part, index) => index % 2 === 1)
    : address.getComponents().map(component => component.name))
  if (names.has('webrtc-direct')) return 'webrtc-direct'
  if (names.has('webrtc')) return 'webrtc'
  if (names.has('p2p-circuit')) return 'p2p-circuit'
  if (names.has('webtransport')) return 'webtransport'
  if (names.has('ws') || names.has('wss') || names.has('tls')) return 'websockets'
  if (names.has('tcp')) return 'tcp'
  return 'other'
}

/** What connecting needs from a libp2p node. */
export interface CafeDialNode extends ProtocolDialer {
  dial(target: Multiaddr, options?: DialOptions): Promise<Connection>
  getConnections(peer?: PeerId): Connection[]
}

export interface ConnectCafeInit extends AbortOptions {
  /** one address attempt gives up after this; default 15 s */
  attemptTimeoutMs?: number
  /** try WebRTC addresses (the node must have the WebRTC transport); default true */
  webrtc?: boolean
  /**
   * tries of each WebRTC address before moving on; default 2 (a dial can still fail on a
   * busy or lossy network; the cafe side fixed the race that failed one in ten, see
   * docs/ARCHITECTURE.md)
   */
  webrtcTries?: number
  /** keep the relayed connection used to signal WebRTC; default false */
  keepSignallingConnection?: boolean
  transport?: Libp2pTransportInit
}

export interface ConnectAttempt {
  address: string
  ms: number
  error?: string
}

export interface CafeLink {
  peerId: PeerId
  /** the connection requests go over now */
  readonly connection: Connection
  /** what `connection` runs over */
  readonly via: TransportName
  transport: Libp2pTransport
  /** every address tried by the last (re)connection, in order */
  readonly attempts: ConnectAttempt[]
  /** the open connection, redialing first if it closed */
  open(options?: AbortOptions): Promise<Connection>
  /** closes the connection to the cafe */
  close(): Promise<void>
}

/** The order addresses are tried in: WebRTC, then direct, then the relayed circuit. */
export function dialOrder (addresses: Multiaddr[], webrtc = true): Multiaddr[] {
  const rank = (address: Multiaddr): number => {
    const transport = transportOf(address)
    if (transport === 'webrtc') return webrtc ? 0 : -1
    if (transport === 'p2p-circuit') return 2
    return 1
  }
  return addresses.filter(address => rank(address) >= 0).sort((a, b) => rank(a) - rank(b))
}

async function dialFirst (node: CafeDialNode, cafe: CafeAddress, init: ConnectCafeInit, attempts: ConnectAttempt[]): Promise<Connection> {
  const order = dialOrder(cafe.multiaddrs, init.webrtc ?? true)
    .flatMap(address => Array<Multiaddr>(transportOf(address) === 'webrtc' ? Math.max(1, init.webrtcTries ?? 2) : 1).fill(address))
  if (order.length === 0) throw new UnavailableError('the cafe address holds no address this client can dial', 'CAFE_UNREACHABLE')
  for (const address of order) {
    init.signal?.throwIfAborted()
    const started = performance.now()
    const signal = AbortSignal.any([AbortSignal.timeout(init.attemptTimeoutMs ?? 15_000), ...(init.signal != null ? [init.signal] : [])])
    try {
      // force: an existing (relayed) connection to the cafe must not stand in for the WebRTC one
      const connection = await node.dial(address, { signal, force: transportOf(address) === 'webrtc' })
      attempts.push({ address: address.toString(), ms: Math.round(performance.now() - started) })
      return connection
    } catch (err) {
      attempts.push({ address: address.toString(), ms: Math.round(performance.now() - started), error: (err as Error).message ?? String(err) })
    }
  }
  const tried = attempts.map(attempt => `${attempt.address}: ${attempt.error ?? 'ok'}`).join('; ')
  throw new UnavailableError(`could not reach the cafe ${cafe.peerId.toString()} (${tried})`, 'CAFE_UNREACHABLE')
}

async function closeSignalling (node: CafeDialNode, peerId: PeerId, keep: Connection): Promise<void> {
  if (transportOf(keep.remoteAddr) !== 'webrtc') return
  await Promise.all(node.getConnections(peerId)
    .filter(connection => connection !== keep && transportOf(connection.remoteAddr) === 'p2p-circuit')
    .map(async connection => connection.close().catch(() => {})))
}

/** Connects to the cafe named by `address` (a cafe address or a link carrying one). */
export async function connectCafe (node: CafeDialNode, address: string | CafeAddress, init: ConnectCafeInit = {}): Promise<CafeLink> {
  const cafe = typeof address === 'string' ? decodeCafeAddress(address) : address
  let attempts: ConnectAttempt[] = []
  const connect = async (options: AbortOptions = {}): Promise<Connection> => {
    attempts = []
    const signal = options.signal ?? init.signal
    const connection = await dialFirst(node, cafe, { ...init, ...(signal != null ? { signal } : {}) }, attempts)
    if (init.keepSignallingConnection !== true) await closeSignalling(node, cafe.peerId, connection)
    return connection
  }
  let connection = await connect()
  let reconnecting: Promise<Connection> | undefined

  const open = async (options?: AbortOptions): Promise<Connection> => {
    if (connection.status !== 'open') {
      reconnecting ??= connect(options).finally(() => { reconnecting = undefined })
      connection = await reconnecting
    }
    return connection
  }
  const dialer: ProtocolDialer = {
    async dialProtocol (_peer, protocols, options): Promise<Stream> {
      return (await open(options)).newStream(protocols, options)
    }
  }

  return {
    peerId: cafe.peerId,
    get connection () { return connection },
    get via () { return transportOf(connection.remoteAddr) },
    get attempts () { return attempts },
    transport: new Libp2pTransport(dialer, cafe.peerId, init.transport),
    open,
    async close () { await connection.close() }
  }
}
