/**
 * A killed cafe is simulated by abandoning a pinning service mid-work (no stop, no clean-up)
 * and starting a new one over the same stores, as a restarted process would.
 */
import { defaultLogger } from '@libp2p/logger'
import all from 'it-all'
import { Key } from 'interface-datastore'
import { describe, expect, it } from 'vitest'
import { blockKey, readBlock, walkDag } from '../../../src/core/pinning/dag.ts'
import { createPinning } from '../../../src/core/pinning/index.ts'
import { ALICE, carOf, chunked, copyFrom, countKeys, makeCafe, makeContent, randomContent, settled, type Cafe, isHeld } from './helpers.ts'
import type { FetchDag, Pinning } from '../../../src/core/pinning/index.ts'
import type { CID } from 'multiformats/cid'

async function restart (cafe: Cafe, fetchDag?: FetchDag): Promise<Pinning> {
  const pinning = createPinning({
    blockstore: cafe.blockstore, datastore: cafe.datastore, pins: cafe.helia.pins, accounts: cafe.accounts, logger: defaultLogger(), fetchDag
  })
  await pinning.start()
  return pinning
}

async function storedKeys (cafe: Cafe): Promise<string[]> {
  return (await all(cafe.blockstore.getAll())).map(({ cid }) => blockKey(cid)).sort()
}

async function dagKeys (cafe: Cafe, root: CID): Promise<string[]> {
  return (await all(walkDag(cafe.blockstore, root))).map(({ cid }) => blockKey(cid)).sort()
}

async function until (check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return
    await new Promise(resolve => setTimeout(resolve, 5))
  }
  throw new Error('timed out')
}

/** The CAR's first `bytes`, then a stream that never ends (the client's connection hangs while the process dies). */
async function * halfThenHang (car: Uint8Array, bytes: number): AsyncGenerator<Uint8Array> {
  yield * chunked(car.subarray(0, bytes), 4096)
  await new Promise(() => {})
}

describe('a cafe killed mid-ingest', () => {
  it('collects on its next start the blocks of an upload it never finished, and keeps every pinned block', async () => {
    const cafe = await makeCafe()
    const kept = await makeContent(cafe.source, randomContent(20_000, 1))
    await cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [kept])))
    const before = await storedKeys(cafe)

    // the unfinished upload repeats the pinned DAG's blocks and brings 60 new ones (59 leaves, a root)
    const other = await makeContent(cafe.source, randomContent(60_000, 2))
    const car = await carOf(cafe.source, [other, kept])
    void cafe.pinning.importCar(ALICE, halfThenHang(car, Math.floor(car.byteLength * 0.8)))
    await until(async () => (await storedKeys(cafe)).length > before.length + 20)
    expect(await countKeys(cafe.datastore, '/cafe/staging')).toBeGreaterThan(20)

    const again = await restart(cafe)
    expect(await storedKeys(cafe)).toEqual(before)
    expect(await dagKeys(cafe, kept)).toEqual(before)
    expect(await countKeys(cafe.datastore, '/cafe/staging')).toBe(0)
    expect((await again.usageOf(ALICE)).pins).toBe(1)
    // the same upload, finished this time, pins both roots
    const results = await again.importCar(ALICE, chunked(car))
    expect(results.map(r => r.status)).toEqual(['pinned', 'pinned'])
    expect(await storedKeys(cafe)).toEqual([...new Set([...before, ...await dagKeys(cafe, other)])].sort())
    expect((await storedKeys(cafe)).length).toBe(before.length + 60)
  })

  it('finishes on its next start an unpin it was killed in the middle of', async () => {
    const cafe = await makeCafe()
    const shared = randomContent(10_000, 3)
    const gone = await makeContent(cafe.source, shared)
    const stays = await makeContent(cafe.source, randomContent(10_000, 4))
    const [pin] = await cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [gone])))
    await cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [stays])))
    const staying = await dagKeys(cafe, stays)

    // the process dies after deleting 3 blocks of the unpinned DAG (a parent before its children)
    const remove = cafe.blockstore.delete.bind(cafe.blockstore)
    let deletes = 0
    cafe.blockstore.delete = async (cid, options) => {
      if (deletes++ >= 3) return new Promise(() => {})
      await remove(cid, options)
    }
    void cafe.pinning.remove(ALICE, pin.requestid)
    await until(async () => deletes > 3)
    cafe.blockstore.delete = remove

    await restart(cafe)
    expect(await storedKeys(cafe)).toEqual(staying)
    expect(await countKeys(cafe.datastore, '/cafe/staging')).toBe(0)
    expect(await isHeld(cafe, gone)).toBe(false)
  })

  it('collects the fetched blocks of a pin request deleted during its fetch when the clean-up never ran', async () => {
    let copied = 0
    const cafe = await makeCafe({
      fetchDag: (source, target) => async (cid, options) => {
        for await (const block of walkDag(source, cid, options)) {
          if (copied >= 10) await new Promise(() => {})
          await target.put(block.cid, (await all(source.get(block.cid)))[0])
          copied++
        }
      }
    })
    const cid = await makeContent(cafe.source, randomContent(30_000, 5))
    const { requestid } = await cafe.pinning.add(ALICE, { cid: cid.toString() })
    await until(async () => copied >= 10)
    // the request was deleted (its record is gone) and the process died before the job cleaned up
    await cafe.datastore.delete(new Key(`/cafe/pins/${ALICE}/${requestid}`))

    const again = await restart(cafe)
    expect(await storedKeys(cafe)).toEqual([])
    expect(await countKeys(cafe.datastore, '/cafe/staging')).toBe(0)
    expect((await again.usageOf(ALICE)).pins).toBe(0)
  })

  it('resumes a pin request it was killed while fetching, and keeps no note once it is pinned', async () => {
    let hang = true
    const cafe = await makeCafe({
      fetchDag: (source, target) => async (cid, options) => {
        if (hang) await new Promise(() => {})
        await copyFrom(source, target)(cid, options)
      }
    })
    const cid = await makeContent(cafe.source, randomContent(5_000, 6))
    const { requestid } = await cafe.pinning.add(ALICE, { cid: cid.toString() })
    await until(async () => await countKeys(cafe.datastore, '/cafe/staging/roots') === 1)
    hang = false
    const again = await restart(cafe, copyFrom(cafe.source, cafe.blockstore))
    expect((await settled(again, ALICE, requestid)).status).toBe('pinned')
    await until(async () => await countKeys(cafe.datastore, '/cafe/staging') === 0)
    expect(await storedKeys(cafe)).toEqual(await dagKeys(cafe, cid))
  })

  it('undoes on its next start a Helia pin an earlier version was killed in the middle of writing, and collects the upload', async () => {
    const cafe = await makeCafe()
    const kept = await makeContent(cafe.source, randomContent(8_000, 7))
    await cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [kept])))
    const before = await storedKeys(cafe)
    const root = await makeContent(cafe.source, randomContent(40_000, 8))

    // what an earlier version left: the upload's blocks stored and noted, the adding note, and
    // Helia's per-block counts for 12 blocks of the new pin (no pin record, no reference)
    const blocks = await all(walkDag(cafe.source, root))
    for (const { cid } of blocks) {
      await cafe.blockstore.put(cid, await readBlock(cafe.source, cid))
      await cafe.datastore.put(new Key(`/cafe/staging/blocks/earlier/${blockKey(cid)}`), cid.bytes)
    }
    await cafe.datastore.put(new Key(`/cafe/staging/adding/${root.toV1().toString()}`), new Uint8Array(0))
    let counted = 0
    for await (const _ of cafe.helia.pins.add(root.toV1())) if (++counted === 12) break
    expect(await cafe.helia.pins.isPinned(root)).toBe(true)

    await restart(cafe)
    expect(await storedKeys(cafe)).toEqual(before)
    expect(await cafe.helia.pins.isPinned(root)).toBe(false)
    expect(await countKeys(cafe.datastore, '/pinned-block')).toBe(0)
    expect(await countKeys(cafe.datastore, '/cafe/staging')).toBe(0)
  })

  it('keeps nothing of an upload killed while writing its first reference: the references and block entries go in one batch', async () => {
    const cafe = await makeCafe()
    const kept = await makeContent(cafe.source, randomContent(8_000, 10))
    await cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [kept])))
    const before = await storedKeys(cafe)
    const blockrefs = await countKeys(cafe.datastore, '/cafe/blockrefs')
    const root = await makeContent(cafe.source, randomContent(40_000, 11))
    const batch = cafe.datastore.batch.bind(cafe.datastore)
    let stuck = false
    cafe.datastore.batch = () => {
      const real = batch()
      let pinref = false
      return {
        put: (key, value) => { if (key.toString().startsWith('/cafe/pinrefs/')) pinref = true; real.put(key, value) },
        delete: key => { real.delete(key) },
        commit: async options => {
          if (pinref) { stuck = true; return new Promise(() => {}) }
          await real.commit(options)
        }
      }
    }
    void cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [root])))
    await until(async () => stuck)
    cafe.datastore.batch = batch
    expect((await storedKeys(cafe)).length).toBeGreaterThan(before.length)

    const again = await restart(cafe)
    expect(await storedKeys(cafe)).toEqual(before)
    expect(await countKeys(cafe.datastore, '/cafe/pinrefs')).toBe(1)
    expect(await countKeys(cafe.datastore, '/cafe/blockrefs')).toBe(blockrefs)
    expect(await countKeys(cafe.datastore, '/cafe/staging')).toBe(0)
    expect((await again.usageOf(ALICE)).pins).toBe(1)
  })

  it('gives back on its next start a reference whose pin record it was killed before writing', async () => {
    const cafe = await makeCafe()
    const root = await makeContent(cafe.source, randomContent(20_000, 9))
    const put = cafe.datastore.put.bind(cafe.datastore)
    let stuck = false
    cafe.datastore.put = async (key, value, options) => {
      if (key.toString().startsWith('/cafe/pins/')) { stuck = true; return new Promise(() => {}) }
      return put(key, value, options)
    }
    void cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [root])))
    await until(async () => stuck)
    cafe.datastore.put = put
    expect(await countKeys(cafe.datastore, '/cafe/pinrefs')).toBe(1)

    const again = await restart(cafe)
    expect(await storedKeys(cafe)).toEqual([])
    expect(await countKeys(cafe.datastore, '/cafe/pinrefs')).toBe(0)
    expect(await countKeys(cafe.datastore, '/cafe/blockrefs')).toBe(0)
    expect(await countKeys(cafe.datastore, '/cafe/staging')).toBe(0)
    expect(await again.usageOf(ALICE)).toEqual({ pins: 0, pinBytes: 0 })
  })
})
