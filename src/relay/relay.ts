/**
 * The relay: a small always-on libp2p node that lets browser cafes be reached. It
 * listens on WebSockets, runs a circuit relay v2 server whose limits suit signalling
 * (a WebRTC offer/answer, a registration, a few API calls), and identify and ping.
 * Runtime-agnostic assembly; the key file and flags live in scripts/relay.ts.
 */
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createLibp2p } from 'libp2p'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Identify } from '@libp2p/identify'
import type { ComponentLogger, Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import type { Multiaddr } from '@multiformats/multiaddr'

export const DEFAULT_RELAY_LISTEN = ['/ip4/127.0.0.1/tcp/4003/ws']

/** What one relay gives its clients. Every figure is per relay node. */
export interface RelayLimits {
  /** cafes holding a slot at once; default 128 */
  maxReservations?: number
  /** how long a slot lasts before the cafe must refresh it (it does, 5 min before); default 1 h */
  reservationTtlMs?: number
  /** a relayed connection is reset after this long; default 2 min */
  connectionDurationMs?: number
  /** ... or after this many bytes in either direction together; default 1 MiB */
  connectionDataBytes?: number
  /** no per-connection limits at all (relayed connections are then not 'limited'); default false */
  unlimited?: boolean
  /** time for a reservation or connect request to be answered; default 15 s */
  hopTimeoutMs?: number
  /** concurrent reservation/connect requests; default 64 */
  maxHopStreams?: number
}

export const DEFAULT_RELAY_LIMITS: Readonly<Required<RelayLimits>> = Object.freeze({
  maxReservations: 128,
  reservationTtlMs: 60 * 60_000,
  connectionDurationMs: 2 * 60_000,
  connectionDataBytes: 1024 * 1024,
  unlimited: false,
  hopTimeoutMs: 15_000,
  maxHopStreams: 64
})

export interface RelayInit {
  /** the relay's identity; keep it to keep its multiaddrs. Default: a fresh Ed25519 key */
  privateKey?: PrivateKey
  /** WebSockets multiaddrs to listen on; default DEFAULT_RELAY_LISTEN */
  listen?: string[]
  /** public multiaddrs to advertise instead of the listening ones (behind a proxy or NAT) */
  announce?: string[]
  limits?: RelayLimits
  /** total connections the relay keeps; default 512 */
  maxConnections?: number
  /**
   * new connections accepted per remote IP per second; default 50 (libp2p's own default,
   * 5, is too low for many peers behind one NAT, or for tests on 127.0.0.1)
   */
  maxConnectionsPerHostPerSecond?: number
  logger?: ComponentLogger
}

export type RelayServices = {
  identify: Identify
  ping: Ping
  relay: CircuitRelayService
}

export interface Relay {
  readonly peerId: PeerId
  readonly libp2p: Libp2p<RelayServices>
  /** the dialable multiaddrs, each ending in /p2p/<peer id> */
  multiaddrs(): Multiaddr[]
  /** peers holding a reservation now */
  reservations(): PeerId[]
  stop(): Promise<void>
}

export async function createRelay (init: RelayInit = {}): Promise<Relay> {
  const limits = { ...DEFAULT_RELAY_LIMITS, ...init.limits }
  const libp2p = await createLibp2p({
    privateKey: init.privateKey ?? await generateKeyPair('Ed25519'),
    ...(init.logger != null ? { logger: init.logger } : {}),
    addresses: {
      listen: init.listen ?? DEFAULT_RELAY_LISTEN,
      ...(init.announce != null && init.announce.length > 0 ? { announce: init.announce } : {})
    },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    connectionManager: {
      maxConnections: init.maxConnections ?? 512,
      inboundConnectionThreshold: init.maxConnectionsPerHostPerSecond ?? 50,
      maxIncomingPendingConnections: 64
    },
    services: {
      identify: identify(),
      ping: ping(),
      relay: circuitRelayServer({
        hopTimeout: limits.hopTimeoutMs,
        maxInboundHopStreams: limits.maxHopStreams,
        reservations: {
          maxReservations: limits.maxReservations,
          reservationTtl: limits.reservationTtlMs,
          applyDefaultLimit: !limits.unlimited,
          defaultDurationLimit: limits.connectionDurationMs,
          defaultDataLimit: BigInt(limits.connectionDataBytes)
        }
      })
    }
  })

  return {
    peerId: libp2p.peerId,
    libp2p,
    multiaddrs: () => libp2p.getMultiaddrs(),
    reservations: () => [...libp2p.services.relay.reservations.keys()],
    stop: async () => { await libp2p.stop() }
  }
}
