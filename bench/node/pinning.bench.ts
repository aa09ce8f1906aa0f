/**
 * Pinning in Node, on disk (the headless cafe's stores in a temporary folder): CAR upload
 * MB/s into the cafe (every block verified against its CID, stored, the root pinned and
 * counted) beside a raw blockstore write of the same blocks in the same run; the cost of
 * durable writes (block files fsynced, LevelDB writes synced before the answer:
 * src/headless/durable-stores.ts) as a ratio of upload rates with and without them, for large
 * blocks, for small blocks, and for many small uploads one after another and 8 at once
 * (group commit); and pins listed per second with BENCH_PINS (default 10,000) pins stored,
 * beside a raw datastore scan of the same records.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CarBlockIterator, CarWriter } from '@ipld/car'
import { defaultLogger } from '@libp2p/logger'
import { FsBlockstore } from 'blockstore-fs'
import { createHeliaLight } from 'helia'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { concat } from 'uint8arrays/concat'
import { packCar } from '../../src/client/car.ts'
import { createPinning, type Pinning } from '../../src/core/pinning/index.ts'
import { openDurableStores, type DurableLevelDatastore } from '../../src/headless/durable-stores.ts'
import { ratePerSecond, report } from './measure.ts'
import type { AccountDirectory } from '../../src/core/types.ts'
import type { CID } from 'multiformats/cid'

const SIZE_MIB = Number(process.env.BENCH_CAR_MIB ?? 64)
const SMALL_MIB = Number(process.env.BENCH_SMALL_BLOCKS_MIB ?? 8)
const PINS = Number(process.env.BENCH_PINS ?? 10_000)
const UPLOADS = Number(process.env.BENCH_SMALL_UPLOADS ?? 100)
const ACCOUNT = '12D3KooWBenchAccount'
const accounts: AccountDirectory = {
  isRegistered: async () => true,
  quotaOf: async () => ({ storageBytes: 1e15, inboxMessages: 0, inboxBytes: 0 })
}

async function * chunked (bytes: Uint8Array, size = 256 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size)
}

function random (mib: number): Uint8Array {
  const content = new Uint8Array(mib * 1024 * 1024)
  for (let i = 0; i < content.byteLength; i += 65536) crypto.getRandomValues(content.subarray(i, i + 65536))
  return content
}

/** A one-file UnixFS CAR with leaves of `chunkSize` bytes. */
async function carOf (content: Uint8Array, chunkSize: number): Promise<Uint8Array> {
  const blocks: Array<{ cid: CID, bytes: Uint8Array }> = []
  let root: CID | undefined
  for await (const entry of importer([{ content }], { put: async (cid: CID, bytes: Uint8Array) => { blocks.push({ cid, bytes }); return cid } }, { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize }) })) root = entry.cid
  const { writer, out } = CarWriter.create([root as CID])
  const parts: Uint8Array[] = []
  const collected = (async () => { for await (const part of out) parts.push(part) })()
  for (const block of blocks) await writer.put(block)
  await writer.close()
  await collected
  return concat(parts)
}

interface Cafe { pinning: Pinning, datastore: DurableLevelDatastore, stop(): Promise<void> }

async function cafeAt (dir: string, durable: boolean): Promise<Cafe> {
  const { blockstore, datastore } = await openDurableStores(dir, { durable })
  const helia = createHeliaLight({ blockstore, datastore: datastore.unsynced() })
  await helia.start()
  const pinning = createPinning({ blockstore, datastore, pins: helia.pins, accounts, logger: defaultLogger() })
  await pinning.start()
  return { pinning, datastore, stop: async () => { await helia.stop(); await datastore.close() } }
}

/** Every block of `car` put in a fresh blockstore: a plain FsBlockstore, or the cafe's durable one. */
async function rawWriteMs (dir: string, durable: boolean, car: Uint8Array): Promise<number> {
  const stores = durable ? await openDurableStores(dir, { durable: true }) : undefined
  const blockstore = stores?.blockstore ?? new FsBlockstore(dir)
  if (stores == null) await blockstore.open?.()
  const started = performance.now()
  for await (const { cid, bytes } of await CarBlockIterator.fromIterable(chunked(car))) await blockstore.put(cid, bytes)
  // durable: the files on disk, as the upload's answer means (the cafe syncs them before its pin record)
  await stores?.blockstore.sync()
  const ms = performance.now() - started
  await stores?.datastore.close()
  return ms
}

async function uploadMs (cafe: Cafe, car: Uint8Array): Promise<number> {
  const started = performance.now()
  await cafe.pinning.importCar(ACCOUNT, chunked(car), { name: 'bench' })
  return performance.now() - started
}

const root = mkdtempSync(join(tmpdir(), 'cafe-bench-'))
try {
  const durable = await cafeAt(join(root, 'durable'), true)
  const fast = await cafeAt(join(root, 'fast'), false)
  const mbps = (bytes: number, ms: number): number => (bytes / 1e6) / (ms / 1000)

  // fresh content for every upload (a repeated one stores nothing); the two stores take turns,
  // upload by upload, so both see the same load on a shared machine: times are summed
  const big = { durable: 0, fast: 0, bytes: 0 }
  const small = { durable: 0, fast: 0, bytes: 0 }
  // the baselines: the same kind of CAR's blocks written straight to a plain FsBlockstore, and
  // to the cafe's own durable blockstore (files fsynced), in the same rounds
  const raw = { plain: 0, durable: 0, bytes: 0 }
  const ROUNDS = 4
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? ['fast', 'durable'] as const : ['durable', 'fast'] as const) {
      const car = await carOf(random(SIZE_MIB), 256 * 1024)
      big.bytes += car.byteLength / 2
      big[mode] += await uploadMs(mode === 'durable' ? durable : fast, car)
      const smallCar = await carOf(random(SMALL_MIB), 4096)
      small.bytes += smallCar.byteLength / 2
      small[mode] += await uploadMs(mode === 'durable' ? durable : fast, smallCar)
      const rawCar = await carOf(random(SIZE_MIB), 256 * 1024)
      raw.bytes += rawCar.byteLength / 2
      raw[mode === 'durable' ? 'durable' : 'plain'] += await rawWriteMs(join(root, `raw-${round}-${mode}`), mode === 'durable', rawCar)
    }
  }

  // many small uploads (one 1 KiB file each): the fsyncs' latency, alone and shared by 8 at once
  const smallCars = await Promise.all(Array.from({ length: UPLOADS * 3 }, async () => carOf(random(1).subarray(0, 1024), 4096)))
  const one = { durable: 0, fast: 0 }
  for (let i = 0; i < UPLOADS; i++) {
    for (const mode of i % 2 === 0 ? ['fast', 'durable'] as const : ['durable', 'fast'] as const) {
      one[mode] += await uploadMs(mode === 'durable' ? durable : fast, smallCars[mode === 'durable' ? UPLOADS + i : i])
    }
  }
  const durableUploads = UPLOADS / (one.durable / 1000)
  const fastUploads = UPLOADS / (one.fast / 1000)
  let started = performance.now()
  const concurrent = smallCars.slice(2 * UPLOADS)
  await Promise.all(Array.from({ length: 8 }, async (_, worker) => {
    for (let i = worker; i < concurrent.length; i += 8) await durable.pinning.importCar(ACCOUNT, chunked(concurrent[i]))
  }))
  const durableConcurrentUploads = concurrent.length / ((performance.now() - started) / 1000)

  // listing is read-only: the pins are stored without syncing to save time
  for (let i = 0; i < PINS; i++) {
    const one = await packCar([{ path: `p${i}`, content: new TextEncoder().encode(`pin ${i}`) }], { wrap: false })
    await fast.pinning.importCar(ACCOUNT, chunked(one.car), { name: `pin-${i}` })
  }
  const listed = (await fast.pinning.usageOf(ACCOUNT)).pins
  const pages = Math.ceil(listed / 1000)
  const listsPerSecond = await ratePerSecond(5, async () => {
    let before: number | undefined
    for (let page = 0; page < pages; page++) {
      const { results } = await fast.pinning.list(ACCOUNT, { limit: 1000, ...(before != null ? { before } : {}) })
      before = Date.parse(results[results.length - 1].created)
    }
  })
  const scansPerSecond = await ratePerSecond(5, async () => {
    let count = 0
    for await (const record of fast.datastore.query({ prefix: '/cafe/pins' })) { void record; count++ }
    return count
  })

  report({
    pinning: {
      carMiB: SIZE_MIB,
      carUploadMBps: mbps(big.bytes, big.durable),
      carUploadNotDurableMBps: mbps(big.bytes, big.fast),
      durableToNotDurable: big.fast / big.durable,
      rawBlockstoreWriteMBps: mbps(raw.bytes, raw.plain),
      rawDurableBlockstoreWriteMBps: mbps(raw.bytes, raw.durable),
      uploadToRawWrite: raw.durable / big.durable,
      notDurableUploadToPlainWrite: raw.plain / big.fast,
      // the durable upload against a plain FsBlockstore that syncs nothing
      durableUploadToPlainWrite: raw.plain / big.durable,
      smallBlockCarMiB: SMALL_MIB,
      smallBlockCarUploadMBps: mbps(small.bytes, small.durable),
      smallBlockCarUploadNotDurableMBps: mbps(small.bytes, small.fast),
      smallBlockDurableToNotDurable: small.fast / small.durable,
      smallUploadsPerSecond: durableUploads,
      smallUploadsNotDurablePerSecond: fastUploads,
      smallUploadsDurableToNotDurable: durableUploads / fastUploads,
      smallUploads8AtOncePerSecond: durableConcurrentUploads,
      pins: listed,
      pinsListedPerSecond: listsPerSecond * listed,
      rawRecordScanPerSecond: scansPerSecond * listed,
      listToRawScan: listsPerSecond / scansPerSecond
    }
  })
  await durable.stop()
  await fast.stop()
} finally {
  rmSync(root, { recursive: true, force: true })
}
