/**
 * Garbage collection keeps every block a pin needs, by the cafe's own books alone: Helia's
 * per-block pin counts are not written any more, so nothing here may depend on them. DAGs an
 * earlier version pinned in Helia stay too.
 */
import all from 'it-all'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { concat } from 'uint8arrays/concat'
import { describe, expect, it } from 'vitest'
import { blockKey, dagSize, readBlock, walkDag } from '../../../src/core/pinning/dag.ts'
import { ALICE, BOB, carOf, chunked, countBlocks, countKeys, makeCafe, makeContent, randomContent, settled, type Cafe } from './helpers.ts'

async function garbageBlock (cafe: Cafe, seed: number): Promise<CID> {
  const bytes = randomContent(700 + seed, 1000 + seed)
  const cid = CID.createV1(raw.code, await sha256.digest(bytes))
  await cafe.blockstore.put(cid, bytes)
  return cid
}

async function blocksOf (cafe: Cafe, root: CID): Promise<string[]> {
  return (await all(walkDag(cafe.source, root))).map(({ cid }) => blockKey(cid))
}

/** Every block of the DAG is stored here, byte for byte as the client made it. */
async function expectWhole (cafe: Cafe, root: CID): Promise<void> {
  for await (const { cid } of walkDag(cafe.source, root)) {
    expect(await readBlock(cafe.blockstore, cid), cid.toString()).toEqual(await readBlock(cafe.source, cid))
  }
  expect(await dagSize(cafe.blockstore, root)).toBe(await dagSize(cafe.source, root))
}

async function pinByCid (cafe: Cafe, account: string, cid: CID): Promise<string> {
  const { requestid } = await cafe.pinning.add(account, { cid: cid.toString() })
  expect((await settled(cafe.pinning, account, requestid)).status).toBe('pinned')
  return requestid
}

describe('garbage collection and pins', () => {
  it('removes only unneeded blocks: uploaded, fetched, kept and shared pinned DAGs all stay whole', async () => {
    const cafe = await makeCafe({ storageBytes: 100_000_000 })
    const common = randomContent(8192, 1)
    // an upload, a pin by CID sharing blocks with it, a DAG the cafe keeps for its library
    const uploaded = await makeContent(cafe.source, concat([common, randomContent(30_000, 2)]))
    const fetched = await makeContent(cafe.source, concat([common, randomContent(20_000, 3)]))
    const kept = await makeContent(cafe.source, randomContent(12_000, 4))
    const [upload] = await cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [uploaded])))
    await pinByCid(cafe, BOB, fetched)
    for (const { cid } of await all(walkDag(cafe.source, kept))) await cafe.blockstore.put(cid, await readBlock(cafe.source, cid))
    await cafe.pinning.keep(kept, 'library-test')
    const garbage = [await garbageBlock(cafe, 1), await garbageBlock(cafe, 2), await garbageBlock(cafe, 3)]
    const needed = new Set([...await blocksOf(cafe, uploaded), ...await blocksOf(cafe, fetched), ...await blocksOf(cafe, kept)])
    // the pins are the cafe's own: Helia holds no per-block counts
    expect(await countKeys(cafe.datastore, '/pinned-block')).toBe(0)

    const dry = await cafe.pinning.collectGarbage({ dryRun: true })
    expect(dry.scanned).toBe(needed.size + garbage.length)
    expect(dry.removable.blocks).toBe(garbage.length)
    const report = await cafe.pinning.collectGarbage()
    expect(report.removed.blocks).toBe(garbage.length)
    for (const cid of garbage) expect(await cafe.blockstore.has(cid)).toBe(false)
    for (const root of [uploaded, fetched, kept]) await expectWhole(cafe, root)
    expect(await countBlocks(cafe.blockstore)).toBe(needed.size)

    // unpinning the upload leaves the shared blocks to the other pin, even through another collection
    await cafe.pinning.remove(ALICE, upload.requestid)
    expect((await cafe.pinning.collectGarbage()).removed.blocks).toBe(0)
    await expectWhole(cafe, fetched)
    await expectWhole(cafe, kept)
    expect(await countBlocks(cafe.blockstore)).toBe(new Set([...await blocksOf(cafe, fetched), ...await blocksOf(cafe, kept)]).size)

    // once nothing holds them, the unpin itself deleted them and a collection finds nothing
    await cafe.pinning.unkeep(kept, 'library-test')
    await cafe.pinning.removeAccount(BOB)
    expect(await countBlocks(cafe.blockstore)).toBe(0)
    expect((await cafe.pinning.collectGarbage()).scanned).toBe(0)
  })

  it('keeps a DAG pinned again after an unpin whole when a pin sharing its blocks goes, through collections', async () => {
    const cafe = await makeCafe()
    const common = randomContent(4096, 5)
    const x = await makeContent(cafe.source, common)
    const y = await makeContent(cafe.source, concat([common, randomContent(2048, 6)]))
    const first = await pinByCid(cafe, ALICE, x)
    const other = await pinByCid(cafe, BOB, y)
    await cafe.pinning.remove(ALICE, first)
    await cafe.pinning.collectGarbage()
    await pinByCid(cafe, ALICE, x)
    await cafe.pinning.remove(BOB, other)
    await cafe.pinning.collectGarbage()
    await expectWhole(cafe, x)
    expect(await countBlocks(cafe.blockstore)).toBe((await blocksOf(cafe, x)).length)
  })

  it('a collection racing uploads and pins removes none of their blocks', async () => {
    const cafe = await makeCafe({ storageBytes: 100_000_000 })
    const roots = await Promise.all(Array.from({ length: 6 }, async (_, i) => makeContent(cafe.source, randomContent(16_000, 20 + i))))
    const cars = await Promise.all(roots.map(async root => carOf(cafe.source, [root])))
    const garbage = await garbageBlock(cafe, 9)
    const uploads = Promise.all(cars.map(async (car, i) => cafe.pinning.importCar(i % 2 === 0 ? ALICE : BOB, chunked(car, 997))))
    const collections = Promise.all([cafe.pinning.collectGarbage(), new Promise(resolve => setTimeout(resolve, 1)).then(async () => cafe.pinning.collectGarbage())])
    await Promise.all([uploads, collections])
    await cafe.pinning.collectGarbage()
    for (const root of roots) await expectWhole(cafe, root)
    expect(await cafe.blockstore.has(garbage)).toBe(false)
  })

  it('a DAG an earlier version pinned in Helia only (no block entries of the cafe) is not collected', async () => {
    const cafe = await makeCafe()
    const legacy = await makeContent(cafe.source, randomContent(9000, 7))
    for (const { cid } of await all(walkDag(cafe.source, legacy))) await cafe.blockstore.put(cid, await readBlock(cafe.source, cid))
    for await (const _ of cafe.helia.pins.add(legacy.toV1()));
    const garbage = await garbageBlock(cafe, 4)
    expect((await cafe.pinning.collectGarbage()).removed.blocks).toBe(1)
    await expectWhole(cafe, legacy)
    expect(await cafe.blockstore.has(garbage)).toBe(false)
  })
})
