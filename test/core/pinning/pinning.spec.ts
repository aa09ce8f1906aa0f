import { defaultLogger } from '@libp2p/logger'
import { exporter } from 'ipfs-unixfs-exporter'
import all from 'it-all'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha1 } from 'multiformats/hashes/sha1'
import { sha256 } from 'multiformats/hashes/sha2'
import { concat } from 'uint8arrays/concat'
import { describe, expect, it } from 'vitest'
import { dagSize, readBlock, walkDag } from '../../../src/core/pinning/dag.ts'
import { createPinning } from '../../../src/core/pinning/index.ts'
import { ALICE, BOB, MALLORY, carOf, chunked, copyFrom, countBlocks, countKeys, makeCafe, makeContent, neverFetch, randomContent, settled, isHeld } from './helpers.ts'
import type { FetchDag } from '../../../src/core/pinning/index.ts'

async function rejects (promise: Promise<unknown>): Promise<{ name: string, code: string, status: number }> {
  try {
    await promise
  } catch (err) {
    return err as { name: string, code: string, status: number }
  }
  throw new Error('expected a rejection')
}

describe('pin by CID', () => {
  it('a pin request is queued, fetched from the client and ends pinned with its DAG size', async () => {
    const cafe = await makeCafe()
    const cid = await makeContent(cafe.source, randomContent(5000))
    const created = await cafe.pinning.add(ALICE, { cid: cid.toString(), name: 'photos', meta: { app: 'x' }, origins: ['/ip4/127.0.0.1/tcp/1/p2p/12D3KooWClient'] })
    expect(created.status).toBe('queued')
    expect(created.requestid).toMatch(/^[a-z2-7]{32}$/)
    expect(created.created).toBe('2026-11-01T00:00:00.000Z')
    expect(created.pin).toEqual({ cid: cid.toString(), name: 'photos', meta: { app: 'x' }, origins: ['/ip4/127.0.0.1/tcp/1/p2p/12D3KooWClient'] })
    expect(created.delegates).toEqual(['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWCafe'])
    const done = await settled(cafe.pinning, ALICE, created.requestid)
    expect(done.status).toBe('pinned')
    const size = await dagSize(cafe.source, cid)
    expect(done.info.dag_size).toBe(String(size))
    expect(await countBlocks(cafe.blockstore)).toBe(await countBlocks(cafe.source))
    expect(await isHeld(cafe, cid)).toBe(true)
    expect(await cafe.pinning.usageOf(ALICE)).toEqual({ pins: 1, pinBytes: size })
  })

  it('the status moves from queued to pinning to pinned while the DAG arrives', async () => {
    const gate = Promise.withResolvers<void>()
    const cafe = await makeCafe({
      fetchDag: (source, target) => async (cid, options) => {
        await gate.promise
        await copyFrom(source, target)(cid, options)
      },
      init: { concurrency: 1 }
    })
    const first = await makeContent(cafe.source, randomContent(3000, 1))
    const second = await makeContent(cafe.source, randomContent(3000, 2))
    const a = await cafe.pinning.add(ALICE, { cid: first.toString() })
    const b = await cafe.pinning.add(ALICE, { cid: second.toString() })
    await new Promise(resolve => setTimeout(resolve, 20))
    expect((await cafe.pinning.get(ALICE, a.requestid)).status).toBe('pinning')
    expect((await cafe.pinning.get(ALICE, b.requestid)).status).toBe('queued')
    gate.resolve()
    expect((await settled(cafe.pinning, ALICE, a.requestid)).status).toBe('pinned')
    expect((await settled(cafe.pinning, ALICE, b.requestid)).status).toBe('pinned')
  })

  it('a DAG the network never delivers fails at the time limit and leaves nothing behind', async () => {
    const cafe = await makeCafe({ fetchDag: () => neverFetch, init: { pinTimeoutMs: 50 } })
    const cid = await makeContent(cafe.source, randomContent(2000))
    const { requestid } = await cafe.pinning.add(ALICE, { cid: cid.toString() })
    const done = await settled(cafe.pinning, ALICE, requestid)
    expect(done.status).toBe('failed')
    expect(done.info.reason).toBe('TIMEOUT')
    expect(await countBlocks(cafe.blockstore)).toBe(0)
    // usage counts live pins only: a failed request holds nothing
    expect(await cafe.pinning.usageOf(ALICE)).toEqual({ pins: 0, pinBytes: 0 })
  })

  it('a malformed CID is refused and nothing is stored', async () => {
    const cafe = await makeCafe()
    const err = await rejects(cafe.pinning.add(ALICE, { cid: 'not-a-cid' }))
    expect(err.code).toBe('CID_INVALID')
    expect(err.status).toBe(400)
    expect((await cafe.pinning.list(ALICE, { status: ['queued', 'pinning', 'pinned', 'failed'] })).count).toBe(0)
  })

  it('an unregistered account cannot pin', async () => {
    const cafe = await makeCafe()
    const cid = await makeContent(cafe.source, randomContent(100))
    expect((await rejects(cafe.pinning.add(MALLORY, { cid: cid.toString() }))).name).toBe('UnauthorizedError')
  })

  it('a DAG bigger than the space left fails with QUOTA_EXCEEDED and is not kept', async () => {
    const cafe = await makeCafe({ storageBytes: 4000 })
    const cid = await makeContent(cafe.source, randomContent(5000))
    const { requestid } = await cafe.pinning.add(ALICE, { cid: cid.toString() })
    const done = await settled(cafe.pinning, ALICE, requestid)
    expect(done.status).toBe('failed')
    expect(done.info.reason).toBe('QUOTA_EXCEEDED')
    expect(await countBlocks(cafe.blockstore)).toBe(0)
  })

  it('an account already at its quota cannot queue another pin', async () => {
    const cafe = await makeCafe({ storageBytes: 6000 })
    const cid = await makeContent(cafe.source, randomContent(5000))
    const { requestid } = await cafe.pinning.add(ALICE, { cid: cid.toString() })
    await settled(cafe.pinning, ALICE, requestid)
    cafe.accounts.setStorage(ALICE, 5000)
    const other = await makeContent(cafe.source, randomContent(100, 2))
    const err = await rejects(cafe.pinning.add(ALICE, { cid: other.toString() }))
    expect(err.code).toBe('QUOTA_EXCEEDED')
  })

  it('deleting a pin while it is being fetched stops it and keeps nothing', async () => {
    const cafe = await makeCafe({ fetchDag: () => neverFetch })
    const cid = await makeContent(cafe.source, randomContent(2000))
    const { requestid } = await cafe.pinning.add(ALICE, { cid: cid.toString() })
    await new Promise(resolve => setTimeout(resolve, 10))
    await cafe.pinning.remove(ALICE, requestid)
    expect((await rejects(cafe.pinning.get(ALICE, requestid))).code).toBe('NOT_FOUND')
    expect(await countBlocks(cafe.blockstore)).toBe(0)
  })
})

describe('ownership', () => {
  it("a client cannot see, read, replace or delete another client's pins", async () => {
    const cafe = await makeCafe()
    const cid = await makeContent(cafe.source, randomContent(3000))
    const { requestid } = await cafe.pinning.add(ALICE, { cid: cid.toString(), name: 'mine' })
    await settled(cafe.pinning, ALICE, requestid)
    expect((await cafe.pinning.list(BOB)).count).toBe(0)
    expect((await cafe.pinning.list(BOB, { cid: [cid.toString()] })).results).toEqual([])
    expect((await rejects(cafe.pinning.get(BOB, requestid))).status).toBe(404)
    expect((await rejects(cafe.pinning.replace(BOB, requestid, { cid: cid.toString() }))).status).toBe(404)
    expect((await rejects(cafe.pinning.remove(BOB, requestid))).status).toBe(404)
    expect((await cafe.pinning.get(ALICE, requestid)).status).toBe('pinned')
    expect(await cafe.pinning.hasPin(ALICE, cid.toString())).toBe(true)
    expect(await cafe.pinning.hasPin(BOB, cid.toString())).toBe(false)
  })

  it('the same CID pinned by two accounts is stored once, counted to both, and stays while one still pins it', async () => {
    const cafe = await makeCafe()
    const cid = await makeContent(cafe.source, randomContent(4000))
    const size = await dagSize(cafe.source, cid)
    const blocks = await countBlocks(cafe.source)
    const a = await cafe.pinning.add(ALICE, { cid: cid.toString() })
    await settled(cafe.pinning, ALICE, a.requestid)
    const b = await cafe.pinning.add(BOB, { cid: cid.toV1().toString() })
    await settled(cafe.pinning, BOB, b.requestid)
    expect(await countBlocks(cafe.blockstore)).toBe(blocks)
    expect((await cafe.pinning.usageOf(ALICE)).pinBytes).toBe(size)
    expect((await cafe.pinning.usageOf(BOB)).pinBytes).toBe(size)

    await cafe.pinning.remove(ALICE, a.requestid)
    expect(await countBlocks(cafe.blockstore)).toBe(blocks)
    expect(await dagSize(cafe.blockstore, cid)).toBe(size)
    expect((await cafe.pinning.usageOf(ALICE)).pinBytes).toBe(0)

    await cafe.pinning.remove(BOB, b.requestid)
    expect(await countBlocks(cafe.blockstore)).toBe(0)
    expect(await isHeld(cafe, cid)).toBe(false)
    for (const prefix of ['/cafe/pins', '/cafe/pinrefs', '/cafe/blockrefs']) expect(await countKeys(cafe.datastore, prefix), prefix).toBe(0)
  })

  it('unpinning deletes the blocks no pin needs and keeps the ones another pin shares', async () => {
    const cafe = await makeCafe()
    const common = randomContent(4096, 7)
    const small = await makeContent(cafe.source, common)
    const big = await makeContent(cafe.source, concat([common, randomContent(4096, 8)]))
    const a = await cafe.pinning.add(ALICE, { cid: small.toString() })
    const b = await cafe.pinning.add(BOB, { cid: big.toString() })
    await settled(cafe.pinning, ALICE, a.requestid)
    await settled(cafe.pinning, BOB, b.requestid)
    const bigBlocks = (await all(walkDag(cafe.blockstore, big))).length
    expect(await countBlocks(cafe.blockstore)).toBe(await countBlocks(cafe.source))

    await cafe.pinning.remove(BOB, b.requestid)
    // the shared leaves stay with the small file; big's root and own leaves go
    expect(await countBlocks(cafe.blockstore)).toBe((await all(walkDag(cafe.blockstore, small))).length)
    expect(await countBlocks(cafe.blockstore)).toBeLessThan(bigBlocks)
    expect(await dagSize(cafe.blockstore, small)).toBe(await dagSize(cafe.source, small))
  })

  it('a DAG pinned again after an unpin stays whole when another pin sharing its blocks goes', async () => {
    // Helia 7.1's pins.rm keeps the wrong pinnedBy entries; the cafe's own block references cover it
    const cafe = await makeCafe()
    const common = randomContent(4096, 5)
    const x = await makeContent(cafe.source, common)
    const y = await makeContent(cafe.source, concat([common, randomContent(2048, 6)]))
    const pin = async (cid: CID): Promise<string> => {
      const { requestid } = await cafe.pinning.add(ALICE, { cid: cid.toString() })
      await settled(cafe.pinning, ALICE, requestid)
      return requestid
    }
    const first = await pin(x)
    const other = await pin(y)
    await cafe.pinning.remove(ALICE, first)
    await pin(x)
    await cafe.pinning.remove(ALICE, other)
    expect(await dagSize(cafe.blockstore, x)).toBe(await dagSize(cafe.source, x))
    expect(await countBlocks(cafe.blockstore)).toBe((await all(walkDag(cafe.blockstore, x))).length)
  })

  it('replacing a pin gives a new request id, removes the old one and frees what only the old one needed', async () => {
    const cafe = await makeCafe()
    const common = randomContent(4096, 3)
    const v1 = await makeContent(cafe.source, common)
    const v2 = await makeContent(cafe.source, concat([common, randomContent(2048, 4)]))
    const old = await cafe.pinning.add(ALICE, { cid: v1.toString(), name: 'doc' })
    await settled(cafe.pinning, ALICE, old.requestid)
    const fresh = await cafe.pinning.replace(ALICE, old.requestid, { cid: v2.toString(), name: 'doc v2' })
    expect(fresh.requestid).not.toBe(old.requestid)
    expect((await rejects(cafe.pinning.get(ALICE, old.requestid))).code).toBe('NOT_FOUND')
    const done = await settled(cafe.pinning, ALICE, fresh.requestid)
    expect(done.status).toBe('pinned')
    expect(done.pin.name).toBe('doc v2')
    expect(await isHeld(cafe, v1)).toBe(false)
    expect(await countBlocks(cafe.blockstore)).toBe((await all(walkDag(cafe.blockstore, v2))).length)
    expect(await cafe.pinning.usageOf(ALICE)).toEqual({ pins: 1, pinBytes: await dagSize(cafe.source, v2) })
  })

  it("removing an account deletes its pins and their blocks, and nothing of another account's", async () => {
    const cafe = await makeCafe()
    const shared = await makeContent(cafe.source, randomContent(3000, 1))
    const own = await makeContent(cafe.source, randomContent(3000, 2))
    for (const [account, cid] of [[ALICE, shared], [ALICE, own], [BOB, shared]] as const) {
      const { requestid } = await cafe.pinning.add(account, { cid: cid.toString() })
      await settled(cafe.pinning, account, requestid)
    }
    const car = await carOf(cafe.source, [await makeContent(cafe.source, randomContent(1500, 9))])
    await cafe.pinning.importCar(ALICE, chunked(car))

    await cafe.pinning.removeAccount(ALICE)
    expect(await cafe.pinning.usageOf(ALICE)).toEqual({ pins: 0, pinBytes: 0 })
    expect((await cafe.pinning.list(ALICE, { status: ['queued', 'pinning', 'pinned', 'failed'] })).count).toBe(0)
    expect(await countBlocks(cafe.blockstore)).toBe((await all(walkDag(cafe.blockstore, shared))).length)
    expect((await cafe.pinning.list(BOB)).count).toBe(1)
    expect(await countKeys(cafe.datastore, `/cafe/pins/${ALICE}/`)).toBe(0)
  })
})

describe('CAR upload', () => {
  it('an uploaded CAR is verified, stored and pinned, and reads back byte for byte', async () => {
    const cafe = await makeCafe()
    const content = randomContent(10_000)
    const root = await makeContent(cafe.source, content)
    const car = await carOf(cafe.source, [root])
    const [status, ...rest] = await cafe.pinning.importCar(ALICE, chunked(car, 777), { name: 'backup', meta: { kind: 'car' } })
    expect(rest).toEqual([])
    expect(status.status).toBe('pinned')
    expect(status.pin).toEqual({ cid: root.toString(), name: 'backup', meta: { kind: 'car' } })
    expect(status.info.dag_size).toBe(String(await dagSize(cafe.source, root)))
    expect((await cafe.pinning.get(ALICE, status.requestid)).status).toBe('pinned')
    const file = await exporter(root, cafe.blockstore)
    if (file.type !== 'file') throw new Error('expected a file')
    expect(concat(await all(file.content()))).toEqual(content)
    expect(await isHeld(cafe, root)).toBe(true)
  })

  it('every block of an uploaded DAG is held by the pin and counted, and unpinning deletes them all', async () => {
    const cafe = await makeCafe()
    const root = await makeContent(cafe.source, randomContent(20_000, 21), 1000)
    const blocks = await all(walkDag(cafe.source, root))
    expect(blocks.length).toBeGreaterThan(20)
    const [status] = await cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [root])))
    expect(status.info.dag_size).toBe(String(blocks.reduce((n, b) => n + b.size, 0)))
    for (const { cid } of blocks) expect(await isHeld(cafe, cid), cid.toString()).toBe(true)
    expect(await countKeys(cafe.datastore, '/cafe/blockrefs')).toBe(blocks.length)
    await cafe.pinning.remove(ALICE, status.requestid)
    expect(await countBlocks(cafe.blockstore)).toBe(0)
    expect(await countKeys(cafe.datastore, '/cafe/blockrefs')).toBe(0)
  })

  it('a CAR that names its blocks by raw CIDs (same bytes, other codec) still pins the whole DAG', async () => {
    const cafe = await makeCafe()
    const root = await makeContent(cafe.source, randomContent(6000, 22))
    const blocks = []
    for await (const { cid } of walkDag(cafe.source, root)) blocks.push({ cid: CID.createV1(raw.code, cid.multihash), bytes: await readBlock(cafe.source, cid) })
    const [status] = await cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [root], blocks)))
    expect(status.info.dag_size).toBe(String(await dagSize(cafe.source, root)))
    for await (const { cid } of walkDag(cafe.source, root)) expect(await isHeld(cafe, cid)).toBe(true)
    await cafe.pinning.remove(ALICE, status.requestid)
    expect(await countBlocks(cafe.blockstore)).toBe(0)
  })

  it('an upload of only the new blocks of a DAG whose other blocks are already pinned here is pinned whole', async () => {
    const cafe = await makeCafe()
    const common = randomContent(4096, 23)
    const old = await makeContent(cafe.source, common)
    const [first] = await cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [old])))
    const root = await makeContent(cafe.source, concat([common, randomContent(4096, 24)]))
    const have = new Set((await all(walkDag(cafe.blockstore, old))).map(b => b.cid.toString()))
    const blocks = []
    for await (const { cid } of walkDag(cafe.source, root)) if (!have.has(cid.toString())) blocks.push({ cid, bytes: await readBlock(cafe.source, cid) })
    const [status] = await cafe.pinning.importCar(BOB, chunked(await carOf(cafe.source, [root], blocks)))
    expect(status.info.dag_size).toBe(String(await dagSize(cafe.source, root)))
    await cafe.pinning.remove(ALICE, first.requestid)
    expect(await dagSize(cafe.blockstore, root)).toBe(await dagSize(cafe.source, root))
    expect(await countBlocks(cafe.blockstore)).toBe((await all(walkDag(cafe.source, root))).length)
  })

  it('a CAR with several roots pins each root', async () => {
    const cafe = await makeCafe()
    const a = await makeContent(cafe.source, randomContent(2000, 1))
    const b = await makeContent(cafe.source, randomContent(2000, 2))
    const statuses = await cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [a, b])))
    expect(statuses.map(s => s.pin.cid)).toEqual([a.toString(), b.toString()])
    expect((await cafe.pinning.list(ALICE)).count).toBe(2)
  })

  /** Alice already pins content sharing blocks with the upload, so a rollback must not touch them. */
  async function withExistingPin (): Promise<Awaited<ReturnType<typeof makeCafe>> & { before: number, common: Uint8Array }> {
    const cafe = await makeCafe({ storageBytes: 30_000 })
    const common = randomContent(4096, 11)
    const existing = await makeContent(cafe.source, common)
    const { requestid } = await cafe.pinning.add(ALICE, { cid: existing.toString() })
    await settled(cafe.pinning, ALICE, requestid)
    return { ...cafe, before: await countBlocks(cafe.blockstore), common }
  }

  it('a CAR with a block that does not match its CID is refused and the blockstore is exactly as before', async () => {
    const cafe = await withExistingPin()
    const root = await makeContent(cafe.source, concat([cafe.common, randomContent(8000, 12)]))
    const blocks = []
    for await (const { cid } of walkDag(cafe.source, root)) blocks.push({ cid, bytes: await readBlock(cafe.source, cid) })
    const last = blocks[blocks.length - 1]
    blocks[blocks.length - 1] = { cid: last.cid, bytes: randomContent(last.bytes.byteLength, 99) }
    const err = await rejects(cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [root], blocks))))
    expect(err.code).toBe('BLOCK_MISMATCH')
    expect(err.status).toBe(400)
    expect(await countBlocks(cafe.blockstore)).toBe(cafe.before)
    expect((await cafe.pinning.list(ALICE)).count).toBe(1)
  })

  it('a truncated CAR is refused and the blockstore is exactly as before', async () => {
    const cafe = await withExistingPin()
    const root = await makeContent(cafe.source, concat([cafe.common, randomContent(8000, 13)]))
    const car = await carOf(cafe.source, [root])
    const err = await rejects(cafe.pinning.importCar(ALICE, chunked(car.subarray(0, car.byteLength - 100))))
    expect(err.code).toBe('CAR_TRUNCATED')
    expect(await countBlocks(cafe.blockstore)).toBe(cafe.before)
  })

  it('a CAR without its root block is refused and the blockstore is exactly as before', async () => {
    const cafe = await withExistingPin()
    const root = await makeContent(cafe.source, concat([cafe.common, randomContent(8000, 14)]))
    const blocks = []
    for await (const { cid } of walkDag(cafe.source, root)) {
      if (!cid.equals(root)) blocks.push({ cid, bytes: await readBlock(cafe.source, cid) })
    }
    const err = await rejects(cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [root], blocks))))
    expect(err.code).toBe('CAR_INVALID')
    expect(await countBlocks(cafe.blockstore)).toBe(cafe.before)
  })

  it('garbage instead of a CAR is refused', async () => {
    const cafe = await withExistingPin()
    // a header of 20 bytes that are not CBOR
    const err = await rejects(cafe.pinning.importCar(ALICE, chunked(concat([new Uint8Array([20]), randomContent(500)]))))
    expect(err.code).toBe('CAR_INVALID')
    expect(await countBlocks(cafe.blockstore)).toBe(cafe.before)
  })

  it('an upload that passes the quota mid-stream is refused with 413 and leaves no block behind', async () => {
    const cafe = await withExistingPin()
    const root = await makeContent(cafe.source, concat([cafe.common, randomContent(40_000, 15)]))
    const car = await carOf(cafe.source, [root])
    let read = 0
    const counting = (async function * () { for await (const chunk of chunked(car)) { read += chunk.byteLength; yield chunk } })()
    const err = await rejects(cafe.pinning.importCar(ALICE, counting))
    expect(err.code).toBe('QUOTA_EXCEEDED')
    expect(err.status).toBe(413)
    expect(read).toBeLessThan(car.byteLength)
    expect(await countBlocks(cafe.blockstore)).toBe(cafe.before)
    expect((await cafe.pinning.usageOf(ALICE)).pins).toBe(1)
  })

  it('an upload whose announced size passes the quota is refused before it is read', async () => {
    const cafe = await withExistingPin()
    let read = 0
    const counting = (async function * () { read++; yield new Uint8Array(10) })()
    const err = await rejects(cafe.pinning.importCar(ALICE, counting, { declaredSize: 1_000_000 }))
    expect(err.code).toBe('QUOTA_EXCEEDED')
    expect(read).toBe(0)
  })

  it('an upload whose blocks fail to store half-way is refused and leaves no block behind', async () => {
    const cafe = await withExistingPin()
    const root = await makeContent(cafe.source, concat([cafe.common, randomContent(12_000, 16)]))
    const put = cafe.blockstore.put.bind(cafe.blockstore)
    let puts = 0
    cafe.blockstore.put = async (cid, bytes, options) => {
      await new Promise(resolve => setTimeout(resolve, 2))
      if (++puts === 6) throw new Error('disk full')
      return put(cid, bytes, options)
    }
    const err = await rejects(cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [root]))))
    expect((err as unknown as Error).message).toContain('disk full')
    expect(puts).toBeGreaterThan(6)
    expect(await countBlocks(cafe.blockstore)).toBe(cafe.before)
    expect((await cafe.pinning.usageOf(ALICE)).pins).toBe(1)
  })

  it('a block the CAR repeats is stored once and the DAG is pinned', async () => {
    const cafe = await makeCafe()
    const root = await makeContent(cafe.source, randomContent(5000, 17))
    const blocks = []
    for await (const { cid } of walkDag(cafe.source, root)) blocks.push({ cid, bytes: await readBlock(cafe.source, cid) })
    const [status] = await cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [root], [...blocks, ...blocks])))
    expect(status.info.dag_size).toBe(String(await dagSize(cafe.source, root)))
    expect(await countBlocks(cafe.blockstore)).toBe(blocks.length)
    await cafe.pinning.remove(ALICE, status.requestid)
    expect(await countBlocks(cafe.blockstore)).toBe(0)
  })

  it('a block hashed with a function the cafe does not verify is refused', async () => {
    const cafe = await withExistingPin()
    const bytes = randomContent(100)
    const cid = CID.createV1(raw.code, await sha1.digest(bytes))
    const err = await rejects(cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [cid], [{ cid, bytes }]))))
    expect(err.code).toBe('UNSUPPORTED_HASH')
    expect(await countBlocks(cafe.blockstore)).toBe(cafe.before)
  })

  it('a raw block upload whose CID is right is pinned', async () => {
    const cafe = await makeCafe()
    const bytes = randomContent(100)
    const cid = CID.createV1(raw.code, await sha256.digest(bytes))
    const [status] = await cafe.pinning.importCar(BOB, chunked(await carOf(cafe.source, [cid], [{ cid, bytes }])))
    expect(status.info.dag_size).toBe('100')
  })
})

describe('listing', () => {
  const ANY = ['queued', 'pinning', 'pinned', 'failed'] as const

  /** `count` requests for Alice that stay queued or pinning (the network never answers), all in the same millisecond */
  async function queued (count: number, meta: (i: number) => Record<string, string> | undefined = () => undefined): Promise<Awaited<ReturnType<typeof makeCafe>> & { ids: string[] }> {
    const cafe = await makeCafe({ fetchDag: () => neverFetch, storageBytes: 1e9 })
    const cid = (await makeContent(cafe.source, randomContent(100))).toString()
    const ids: string[] = []
    for (let i = 0; i < count; i++) ids.push((await cafe.pinning.add(ALICE, { cid, name: `n${i}`, meta: meta(i) })).requestid)
    return { ...cafe, ids }
  }

  it('paging by before walks every request once, newest first, with the count of what is left', async () => {
    const cafe = await queued(23)
    const seen: string[] = []
    let before: number | undefined
    for (;;) {
      const { count, results } = await cafe.pinning.list(ALICE, { status: [...ANY], limit: 5, ...(before != null ? { before } : {}) })
      expect(count).toBe(23 - seen.length)
      if (results.length === 0) break
      seen.push(...results.map(r => r.requestid))
      before = Date.parse(results[results.length - 1].created)
    }
    expect(seen).toEqual([...cafe.ids].reverse())
    await cafe.pinning.stop()
  })

  it('a page filtered by status alone has the count and pins of a full walk, also after deletes', async () => {
    const cafe = await queued(23)
    for (const id of cafe.ids.filter((_, i) => i % 5 === 2)) await cafe.pinning.remove(ALICE, id)
    const filters = [['queued'], ['pinning'], ['queued', 'pinning'], [...ANY], ['pinned'], ['failed', 'queued']] as const
    const counts: number[] = []
    for (const status of filters) {
      for (const limit of [1, 5, 100]) {
        // `after: 0` matches every request too, but takes the walk that counts as it goes
        const walked = await cafe.pinning.list(ALICE, { status: [...status], limit, after: 0 })
        expect(await cafe.pinning.list(ALICE, { status: [...status], limit })).toEqual(walked)
        if (limit === 100) counts.push(walked.count)
      }
    }
    expect(counts[3]).toBe(23 - 5)
    expect(counts[0] + counts[1]).toBe(counts[3])
    await cafe.pinning.stop()
  })

  it('a pin shows in the default (pinned) list once it is pinned, and leaves it when deleted', async () => {
    const cafe = await makeCafe()
    const cid = await makeContent(cafe.source, randomContent(1000, 31))
    expect((await cafe.pinning.list(ALICE)).count).toBe(0)
    const { requestid } = await cafe.pinning.add(ALICE, { cid: cid.toString(), name: 'Later' })
    expect((await cafe.pinning.list(ALICE, { status: ['queued', 'pinning'] })).count).toBe(1)
    await settled(cafe.pinning, ALICE, requestid)
    expect((await cafe.pinning.list(ALICE, { name: 'later', match: 'iexact' })).results.map(r => r.status)).toEqual(['pinned'])
    expect((await cafe.pinning.list(ALICE, { status: ['queued', 'pinning'] })).count).toBe(0)
    await cafe.pinning.remove(ALICE, requestid)
    expect((await cafe.pinning.list(ALICE, { status: [...ANY] })).count).toBe(0)
    expect(await cafe.pinning.hasPin(ALICE, cid.toString())).toBe(false)
  })

  it('a cafe started again over the same stores lists, counts and checks pins as before', async () => {
    const cafe = await makeCafe()
    const cid = await makeContent(cafe.source, randomContent(2000, 32))
    const [status] = await cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [cid])), { name: 'kept', meta: { a: 'b' } })
    const again = createPinning({
      blockstore: cafe.blockstore, datastore: cafe.datastore, pins: cafe.helia.pins, accounts: cafe.accounts, logger: defaultLogger()
    })
    expect(await again.list(ALICE, { meta: { a: 'b' } })).toEqual({ count: 1, results: [{ ...status, delegates: [] }] })
    expect(await again.usageOf(ALICE)).toEqual(await cafe.pinning.usageOf(ALICE))
    expect(await again.hasPin(ALICE, cid.toString())).toBe(true)
    expect((await again.list(BOB)).count).toBe(0)
  })

  it('a meta filter counts every match among many requests, not only the first page', async () => {
    const cafe = await queued(600, i => i % 3 === 0 ? { tag: 'third' } : i % 2 === 0 ? { tag: 'other' } : undefined)
    const { count, results } = await cafe.pinning.list(ALICE, { status: [...ANY], meta: { tag: 'third' }, limit: 7 })
    expect(count).toBe(200)
    expect(results.map(r => r.pin.name)).toEqual([597, 594, 591, 588, 585, 582, 579].map(i => `n${i}`))
    await cafe.pinning.stop()
  })

  it('an account removed and pinning again sees only its new pin', async () => {
    const cafe = await makeCafe()
    const cid = await makeContent(cafe.source, randomContent(1000, 33))
    await cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [cid])))
    expect((await cafe.pinning.list(ALICE)).count).toBe(1)
    await cafe.pinning.removeAccount(ALICE)
    const [fresh] = await cafe.pinning.importCar(ALICE, chunked(await carOf(cafe.source, [cid])), { name: 'again' })
    expect((await cafe.pinning.list(ALICE)).results.map(r => r.requestid)).toEqual([fresh.requestid])
    expect(await cafe.pinning.usageOf(ALICE)).toEqual({ pins: 1, pinBytes: Number(fresh.info.dag_size) })
  })
})

describe('restart', () => {
  it('requests left pinning by a stopped cafe resume on start', async () => {
    const gate = Promise.withResolvers<void>()
    let fetchDag: FetchDag = neverFetch
    const cafe = await makeCafe({ fetchDag: () => async (cid, options) => { await fetchDag(cid, options) } })
    const cid = await makeContent(cafe.source, randomContent(2000))
    const { requestid } = await cafe.pinning.add(ALICE, { cid: cid.toString() })
    await new Promise(resolve => setTimeout(resolve, 10))
    await cafe.pinning.stop()
    expect((await cafe.pinning.get(ALICE, requestid)).status).toBe('pinning')
    fetchDag = copyFrom(cafe.source, cafe.blockstore)
    gate.resolve()
    await cafe.pinning.start()
    expect((await settled(cafe.pinning, ALICE, requestid)).status).toBe('pinned')
  })
})
