import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Key } from 'interface-datastore'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDurableStores } from '../../src/headless/durable-stores.ts'
import type { DurableFsBlockstore, DurableLevelDatastore, WriteOptions } from '../../src/headless/durable-stores.ts'

async function block (i: number): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = new TextEncoder().encode(`block ${i}`)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

describe('durable stores of the headless cafe', () => {
  let dir: string
  let stores: { blockstore: DurableFsBlockstore, datastore: DurableLevelDatastore } | undefined

  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'cafe-durable-')) })
  afterEach(async () => {
    await stores?.datastore.close()
    stores = undefined
    await rm(dir, { recursive: true, force: true })
  })

  it('a record is written only after every block file written before it is synced, in one round for concurrent writers', async () => {
    stores = await openDurableStores(dir)
    const { blockstore, datastore } = stores
    for (let i = 0; i < 50; i++) { const { cid, bytes } = await block(i); await blockstore.put(cid, bytes) }
    expect(blockstore.pending).toBe(50)
    // writes that acknowledge nothing do not wait for the disk
    const scratch: WriteOptions = { sync: false }
    await datastore.put(new Key('/journal/1'), new Uint8Array(1), scratch)
    await datastore.unsynced().put(new Key('/helia/1'), new Uint8Array(1))
    expect(blockstore.pending).toBe(50)
    expect(blockstore.synced).toEqual({ rounds: 0, files: 0 })

    await Promise.all([
      datastore.put(new Key('/cafe/a'), new Uint8Array(1)),
      datastore.put(new Key('/cafe/b'), new Uint8Array(1)),
      (async () => { const batch = datastore.batch(); batch.put(new Key('/cafe/c'), new Uint8Array(1)); await batch.commit() })()
    ])
    expect(blockstore.pending).toBe(0)
    expect(blockstore.synced).toEqual({ rounds: 1, files: 50 })
    expect(await datastore.has(new Key('/cafe/c'))).toBe(true)
    expect(await datastore.has(new Key('/helia/1'))).toBe(true)
  })

  it('a block deleted before the sync is not synced, and the sync still succeeds', async () => {
    stores = await openDurableStores(dir)
    const { blockstore, datastore } = stores
    const kept = await block(1)
    const gone = await block(2)
    await blockstore.put(kept.cid, kept.bytes)
    await blockstore.put(gone.cid, gone.bytes)
    await blockstore.delete(gone.cid)
    await datastore.delete(new Key('/cafe/x'))
    expect(blockstore.synced).toEqual({ rounds: 1, files: 1 })
  })

  it('half-written temporary files of a killed run are deleted on open; blocks stay', async () => {
    stores = await openDurableStores(dir)
    const { cid, bytes } = await block(3)
    await stores.blockstore.put(cid, bytes)
    await stores.datastore.close()
    const shards = await readdir(join(dir, 'blocks'))
    await writeFile(join(dir, 'blocks', shards[0], '.CIQHALFWRITTEN.data.tmp'), 'half')
    await mkdir(join(dir, 'blocks', 'ZZ'))
    await writeFile(join(dir, 'blocks', 'ZZ', '.CIQOTHER.data.tmp'), '')

    stores = await openDurableStores(dir)
    expect(stores.blockstore.staleTemporaries).toBe(2)
    expect(await readdir(join(dir, 'blocks', shards[0]))).toHaveLength(1)
    expect(await readdir(join(dir, 'blocks', 'ZZ'))).toEqual([])
    expect(await stores.blockstore.has(cid)).toBe(true)
  })

  it('with durable writes off nothing waits for the disk', async () => {
    stores = await openDurableStores(dir, { durable: false })
    const { cid, bytes } = await block(4)
    await stores.blockstore.put(cid, bytes)
    await stores.datastore.put(new Key('/cafe/a'), new Uint8Array(1))
    expect(stores.blockstore.pending).toBe(0)
    expect(stores.blockstore.synced.rounds).toBe(0)
  })
})
