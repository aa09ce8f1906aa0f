/**
 * Pinning in Node, on disk (blockstore-fs and datastore-level in a temporary folder): CAR upload MB/s into
 * the cafe (every block verified against its CID, stored, the root pinned and counted)
 * beside a raw blockstore write of the same blocks in the same run; and pins listed per
 * second with BENCH_PINS (default 10,000) pins stored, beside a raw datastore scan of
 * the same records.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CarBlockIterator } from '@ipld/car'
import { defaultLogger } from '@libp2p/logger'
import { FsBlockstore } from 'blockstore-fs'
import { LevelDatastore } from 'datastore-level'
import { createHeliaLight } from 'helia'
import { packCar } from '../../src/client/car.ts'
import { createPinning } from '../../src/core/pinning/index.ts'
import { ratePerSecond, report } from './measure.ts'
import type { AccountDirectory } from '../../src/core/types.ts'

const SIZE_MIB = Number(process.env.BENCH_CAR_MIB ?? 64)
const PINS = Number(process.env.BENCH_PINS ?? 10_000)
const ACCOUNT = '12D3KooWBenchAccount'
const accounts: AccountDirectory = {
  isRegistered: async () => true,
  quotaOf: async () => ({ storageBytes: 1e15, inboxMessages: 0, inboxBytes: 0 })
}

async function * chunked (bytes: Uint8Array, size = 256 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size)
}

const root = mkdtempSync(join(tmpdir(), 'cafe-bench-'))
try {
  const blockstore = new FsBlockstore(join(root, 'cafe'))
  await blockstore.open()
  const datastore = new LevelDatastore(join(root, 'data'))
  await datastore.open()
  const helia = createHeliaLight({ blockstore, datastore })
  await helia.start()
  const pinning = createPinning({ blockstore, datastore, pins: helia.pins, accounts, logger: defaultLogger() })

  const content = new Uint8Array(SIZE_MIB * 1024 * 1024)
  for (let i = 0; i < content.byteLength; i += 65536) crypto.getRandomValues(content.subarray(i, i + 65536))
  const { car } = await packCar([{ path: 'bench.bin', content }], { wrap: false })

  const rawStore = new FsBlockstore(join(root, 'raw'))
  await rawStore.open()
  let started = performance.now()
  for await (const { cid, bytes } of await CarBlockIterator.fromIterable(chunked(car))) await rawStore.put(cid, bytes)
  const rawMs = performance.now() - started

  started = performance.now()
  await pinning.importCar(ACCOUNT, chunked(car), { name: 'bench' })
  const uploadMs = performance.now() - started
  const mbps = (ms: number): number => (car.byteLength / 1e6) / (ms / 1000)

  for (let i = 0; i < PINS; i++) {
    const small = await packCar([{ path: `p${i}`, content: new TextEncoder().encode(`pin ${i}`) }], { wrap: false })
    await pinning.importCar(ACCOUNT, chunked(small.car), { name: `pin-${i}` })
  }
  const pages = Math.ceil((PINS + 1) / 1000)
  const listsPerSecond = await ratePerSecond(5, async () => {
    let before: number | undefined
    for (let page = 0; page < pages; page++) {
      const { results } = await pinning.list(ACCOUNT, { limit: 1000, ...(before != null ? { before } : {}) })
      before = Date.parse(results[results.length - 1].created)
    }
  })
  const scansPerSecond = await ratePerSecond(5, async () => {
    let count = 0
    for await (const record of datastore.query({ prefix: '/cafe/pins' })) { void record; count++ }
    return count
  })

  report({
    pinning: {
      carMiB: SIZE_MIB,
      carUploadMBps: mbps(uploadMs),
      rawBlockstoreWriteMBps: mbps(rawMs),
      uploadToRawWrite: rawMs / uploadMs,
      pins: PINS + 1,
      pinsListedPerSecond: listsPerSecond * (PINS + 1),
      rawRecordScanPerSecond: scansPerSecond * (PINS + 1),
      listToRawScan: listsPerSecond / scansPerSecond
    }
  })
  await helia.stop()
  await datastore.close()
} finally {
  rmSync(root, { recursive: true, force: true })
}
