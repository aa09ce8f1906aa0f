/**
 * How the cafe fetches a DAG to pin, over real libp2p and bitswap (TCP on 127.0.0.1): the
 * request's origins first, then the connected peers, as docs/API.md says; and a pin nobody
 * can serve fails UNAVAILABLE at the no-provider limit.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { tcp } from '@libp2p/tcp'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dagSize, readBlock, walkDag } from '../../src/core/pinning/dag.ts'
import { createPinning } from '../../src/core/pinning/index.ts'
import { createCafeHelia, type CafeHelia } from '../../src/node/cafe-helia.ts'
import { createFetchDag } from '../../src/node/fetch-dag.ts'
import { ALICE, FakeAccounts, makeContent, randomContent } from '../core/pinning/helpers.ts'
import type { Pinning, PinStatus } from '../../src/core/pinning/index.ts'
import type { FetchDag } from '../../src/core/pinning/index.ts'
import type { CID } from 'multiformats/cid'

interface Peer { helia: CafeHelia, blockstore: MemoryBlockstore, address: string }

async function peer (): Promise<Peer> {
  const blockstore = new MemoryBlockstore()
  const datastore = new MemoryDatastore()
  const helia = createCafeHelia({ blockstore, datastore, privateKey: await generateKeyPair('Ed25519'), transports: [tcp()], listen: ['/ip4/127.0.0.1/tcp/0'], allowPrivateDials: true })
  await helia.start()
  return { helia, blockstore, address: helia.libp2p.getMultiaddrs()[0].toString() }
}

async function settledWithin (pinning: Pinning, requestid: string, ms: number): Promise<PinStatus> {
  const started = performance.now()
  for (;;) {
    const status = await pinning.get(ALICE, requestid)
    if (status.status === 'pinned' || status.status === 'failed' || performance.now() - started > ms) return status
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

function pinningOf (cafe: Peer, noProviderTimeoutMs = 30_000): Pinning {
  return createPinning({
    blockstore: cafe.blockstore,
    datastore: new MemoryDatastore(),
    pins: cafe.helia.pins,
    fetchDag: createFetchDag(cafe.helia),
    accounts: new FakeAccounts([ALICE]),
    logger: defaultLogger()
  }, { noProviderTimeoutMs, pinTimeoutMs: 20_000 })
}

describe('fetching a DAG to pin, over bitswap', () => {
  let cafe: Peer
  let origin: Peer
  let connected: Peer
  const pinnings: Pinning[] = []

  beforeAll(async () => {
    [cafe, origin, connected] = await Promise.all([peer(), peer(), peer()])
  })

  afterAll(async () => {
    await Promise.all(pinnings.map(async p => p.stop()))
    await Promise.all([cafe, origin, connected].map(async p => p?.helia.stop()))
  })

  it('a DAG only the origin has is fetched from the origin, which the cafe dials', async () => {
    const cid = await makeContent(origin.blockstore, randomContent(40_000, 1))
    const pinning = pinningOf(cafe)
    pinnings.push(pinning)
    const { requestid } = await pinning.add(ALICE, { cid: cid.toString(), origins: [origin.address] })
    const done = await settledWithin(pinning, requestid, 10_000)
    expect(done.status).toBe('pinned')
    expect(done.info.dag_size).toBe(String(await dagSize(origin.blockstore, cid)))
  }, 15_000)

  it('when the origin is up but lacks the CID, the connected peers are asked and the pin succeeds', async () => {
    const cid = await makeContent(connected.blockstore, randomContent(40_000, 2))
    await cafe.helia.libp2p.dial(connected.helia.libp2p.getMultiaddrs()[0])
    const pinning = pinningOf(cafe)
    pinnings.push(pinning)
    const { requestid } = await pinning.add(ALICE, { cid: cid.toString(), origins: [origin.address] })
    const done = await settledWithin(pinning, requestid, 10_000)
    expect(done.status).toBe('pinned')
    expect(await cafe.blockstore.has(cid)).toBe(true)
  }, 15_000)

  it('a DAG nobody has fails UNAVAILABLE at the no-provider limit', async () => {
    const nowhere = new MemoryBlockstore()
    const cid = await makeContent(nowhere, randomContent(1000, 3))
    const pinning = pinningOf(cafe, 800)
    pinnings.push(pinning)
    const started = performance.now()
    const { requestid } = await pinning.add(ALICE, { cid: cid.toString(), origins: [origin.address] })
    const done = await settledWithin(pinning, requestid, 10_000)
    expect(done.status).toBe('failed')
    expect(done.info.reason).toBe('UNAVAILABLE')
    expect(performance.now() - started).toBeLessThan(5_000)
  }, 15_000)
})

describe('createFetchDag: the order it asks in', () => {
  /** A Helia stand-in that records who was asked for which block. */
  function fakeHelia (origins: Map<string, Uint8Array> | 'fails', peers: Map<string, Uint8Array>, asked: string[]): Parameters<typeof createFetchDag>[0] {
    const store = (name: string, blocks: Map<string, Uint8Array> | 'fails') => ({
      async * get (cid: CID) {
        asked.push(`${name} ${cid}`)
        const bytes = blocks === 'fails' ? undefined : blocks.get(cid.toString())
        if (bytes == null) throw new Error(`${name} does not have ${cid}`)
        yield bytes
      }
    })
    return { blockstore: { createSession: () => ({ ...store('origins', origins), close () {} }), ...store('peers', peers) } } as never
  }

  async function dag (): Promise<{ root: CID, blocks: Map<string, Uint8Array> }> {
    const source = new MemoryBlockstore()
    const root = await makeContent(source, randomContent(3000, 4), 1024)
    const blocks = new Map<string, Uint8Array>()
    for await (const { cid } of walkDag(source, root)) blocks.set(cid.toString(), await readBlock(source, cid))
    return { root, blocks }
  }

  it('asks the origins for every block when they have the DAG, and the peers for none', async () => {
    const { root, blocks } = await dag()
    const asked: string[] = []
    const fetchDag: FetchDag = createFetchDag(fakeHelia(blocks, new Map(blocks), asked))
    await fetchDag(root, { origins: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDBmsSHJsnfSFVLgApFFxFiBRvYXN6Njpu3FrXXMZ6nMC'], signal: AbortSignal.timeout(5_000) })
    expect(asked.length).toBe(blocks.size)
    expect(asked.every(line => line.startsWith('origins '))).toBe(true)
  })

  it('asks the origins first, then the connected peers once the origins lack a block', async () => {
    const { root, blocks } = await dag()
    const asked: string[] = []
    const fetchDag = createFetchDag(fakeHelia('fails', blocks, asked))
    await fetchDag(root, { origins: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDBmsSHJsnfSFVLgApFFxFiBRvYXN6Njpu3FrXXMZ6nMC'], signal: AbortSignal.timeout(5_000) })
    expect(asked[0]).toBe(`origins ${root}`)
    expect(asked[1]).toBe(`peers ${root}`)
    expect(asked.slice(1).every(line => line.startsWith('peers '))).toBe(true)
    expect(asked.length).toBe(blocks.size + 1)
  })

  it('without origins, asks the connected peers', async () => {
    const { root, blocks } = await dag()
    const asked: string[] = []
    await createFetchDag(fakeHelia(blocks, blocks, asked))(root, { origins: [], signal: AbortSignal.timeout(5_000) })
    expect(asked.every(line => line.startsWith('peers '))).toBe(true)
  })
})
