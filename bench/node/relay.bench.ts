/**
 * Reaching a cafe through the relay, in Node on 127.0.0.1: the time a cafe takes to
 * hold a reservation (from starting its node, and again after the relay restarts), and the time from a
 * cafe address to a registered session (a fresh client node dials the relayed circuit,
 * registers with a token), p50/p90 over RUNS, beside the same flow over a direct
 * WebSockets connection to a cafe that listens itself.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { MemoryDatastore } from 'datastore-core'
import { CafeClient, Libp2pTransport } from '../../src/client/index.ts'
import { decodeCafeAddress, encodeCafeAddress } from '../../src/core/address/index.ts'
import { registerCafeProtocol } from '../../src/core/api/libp2p.ts'
import { createCafe } from '../../src/core/cafe.ts'
import { createRelay } from '../../src/relay/relay.ts'
import { createNode, createRelayedCafe, shareAddress, waitFor } from '../../test/node/fixtures.ts'
import { percentile, report } from './measure.ts'
import type { Cafe } from '../../src/core/cafe.ts'

const RUNS = Number(process.env.BENCH_RELAY_RUNS ?? 20)
/** keepReservations' retry period here; its default is 5 s, so a re-reservation then takes up to that */
const RETRY_MS = 250

/** ms from the cafe address to a registered session, for a client node that is already started */
async function connectAndRegister (cafe: Cafe, address: string): Promise<number> {
  const node = await createNode()
  try {
    const { token } = await cafe.owner.createToken({ label: 'bench', uses: 1 })
    const started = performance.now()
    const { multiaddrs } = decodeCafeAddress(address)
    const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: new Libp2pTransport(node, multiaddrs[0], { timeoutMs: 10_000 }) })
    await client.register(token)
    return performance.now() - started
  } finally {
    await node.stop()
  }
}

async function samples (cafe: Cafe, address: string): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) times.push(await connectAndRegister(cafe, address))
  return times
}

const relayKey = await generateKeyPair('Ed25519')
let relay = await createRelay({ privateKey: relayKey, listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
const relayAddress = relay.multiaddrs()[0].toString()
const port = relay.multiaddrs()[0].getComponents().find(component => component.name === 'tcp')?.value

const cafeStarted = performance.now()
const relayed = await createRelayedCafe(relayAddress, { retryMs: RETRY_MS })
await waitFor(() => relayed.keeper.status()[0].reserved, 10_000, 'the reservation', 5)
const reservationMs = performance.now() - cafeStarted
const viaRelay = await samples(relayed.cafe, shareAddress(relayed))

await relay.stop()
await waitFor(() => !relayed.keeper.status()[0].reserved, 10_000, 'the cafe to notice', 5)
relay = await createRelay({ privateKey: relayKey, listen: [`/ip4/127.0.0.1/tcp/${port}/ws`] })
const reReservationMs = await waitFor(() => relayed.keeper.status()[0].reserved, 10_000, 'the re-reservation', 5)
await relayed.stop()
await relay.stop()

// baseline: the same flow to a cafe listening on WebSockets itself
const directKey = await generateKeyPair('Ed25519')
const directNode = await createNode({ privateKey: directKey, listen: ['/ip4/127.0.0.1/tcp/0/ws'], cafe: true })
const directCafe = createCafe({ datastore: new MemoryDatastore(), logger: defaultLogger(), privateKey: directKey, addresses: () => directNode.getMultiaddrs().map(String) })
const unregister = await registerCafeProtocol(directNode, directCafe.api, { logger: defaultLogger() })
const direct = await samples(directCafe, encodeCafeAddress({ peerId: directNode.peerId, multiaddrs: directNode.getMultiaddrs() }))
await unregister()
await directNode.stop()

report({
  relay: {
    runs: RUNS,
    cafeStartToReservationMs: reservationMs,
    reReservationAfterRestartMs: reReservationMs,
    keeperRetryMs: RETRY_MS,
    addressToSessionViaRelayP50Ms: percentile(viaRelay, 50),
    addressToSessionViaRelayP90Ms: percentile(viaRelay, 90),
    addressToSessionDirectWsP50Ms: percentile(direct, 50),
    relayToDirect: percentile(viaRelay, 50) / percentile(direct, 50)
  }
})
