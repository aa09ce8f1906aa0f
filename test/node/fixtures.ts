/** Nodes for the relay tests: a cafe behind a relay and a client, both on WebSockets + circuit relay. */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { defaultLogger } from '@libp2p/logger'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { MemoryDatastore } from 'datastore-core'
import { createLibp2p } from 'libp2p'
import { createCafe } from '../../src/core/cafe.ts'
import { registerCafeProtocol } from '../../src/core/api/libp2p.ts'
import { encodeCafeAddress } from '../../src/core/address/index.ts'
import { CAFE_CONNECTION_MANAGER } from '../../src/node/cafe-helia.ts'
import { keepReservations } from '../../src/node/reservations.ts'
import type { ReservationKeeper } from '../../src/node/reservations.ts'
import type { Cafe } from '../../src/core/cafe.ts'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

export { CAFE_CONNECTION_MANAGER }

export async function createNode (init: { privateKey?: PrivateKey, listen?: string[], cafe?: boolean } = {}): Promise<Libp2p> {
  return createLibp2p({
    ...(init.cafe === true ? { connectionManager: CAFE_CONNECTION_MANAGER } : {}),
    privateKey: init.privateKey ?? await generateKeyPair('Ed25519'),
    addresses: { listen: init.listen ?? [] },
    transports: [webSockets(), circuitRelayTransport({ reservationCompletionTimeout: 5_000 })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    services: { identify: identify(), ping: ping() }
  })
}

export interface RelayedCafe {
  node: Libp2p
  cafe: Cafe
  keeper: ReservationKeeper
  stop(): Promise<void>
}

/** A cafe reachable only through the relay (its reservation kept by keepReservations), serving the cafe protocol. */
export async function createRelayedCafe (relayAddress: string, options: { retryMs?: number } = {}): Promise<RelayedCafe> {
  const privateKey = await generateKeyPair('Ed25519')
  const node = await createNode({ privateKey, cafe: true })
  const cafe = createCafe({ datastore: new MemoryDatastore(), logger: defaultLogger(), privateKey, addresses: () => node.getMultiaddrs().map(String) })
  const unregister = await registerCafeProtocol(node, cafe.api, { logger: defaultLogger() })
  const keeper = keepReservations(node, [relayAddress], { retryMs: options.retryMs ?? 500, timeoutMs: 3_000 })
  return {
    node,
    cafe,
    keeper,
    stop: async () => {
      keeper.stop()
      await unregister()
      await node.stop()
    }
  }
}

/** The cafe's address as its owner would share it. */
export function shareAddress (cafe: RelayedCafe): string {
  return encodeCafeAddress({ peerId: cafe.node.peerId, multiaddrs: cafe.node.getMultiaddrs() })
}

/** Resolves once `check` is true, polling every `intervalMs`; rejects after `timeoutMs`. */
export async function waitFor (check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, intervalMs = 50): Promise<number> {
  const started = performance.now()
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
  return performance.now() - started
}
