import 'fake-indexeddb/auto'
import all from 'it-all'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, describe, expect, it } from 'vitest'
import { IdbBlockstore } from '../../src/browser/idb-blockstore.ts'

async function block (i: number): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = new TextEncoder().encode(`block ${i}`)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

describe('the IndexedDB blockstore', () => {
  const original = IDBDatabase.prototype.transaction
  afterEach(() => { IDBDatabase.prototype.transaction = original })

  it('stores blocks put together in one transaction that answers only once on disk (strict durability)', async () => {
    const durabilities: string[] = []
    IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      const tx = original.apply(this, args)
      if (args[1] === 'readwrite') durabilities.push(tx.durability)
      return tx
    }
    const store = new IdbBlockstore(`strict-${Math.random()}`)
    await store.open()
    const blocks = await Promise.all([1, 2, 3].map(block))
    await Promise.all(blocks.map(async ({ cid, bytes }) => store.put(cid, bytes)))
    expect(durabilities).toEqual(['strict'])
    for (const { cid, bytes } of blocks) expect(await all(store.get(cid))).toEqual([bytes])
    await store.close()
  })

  it('stores the Blob a put brings for the same bytes rather than a copy, and reads it back', async () => {
    const stored: unknown[] = []
    const put = IDBObjectStore.prototype.put
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      stored.push(value)
      return put.call(this, value, key)
    }
    try {
      const store = new IdbBlockstore(`blob-${Math.random()}`)
      await store.open()
      const bytes = new Uint8Array(64 * 1024).map((_, i) => i % 253)
      const cid = CID.createV1(raw.code, await sha256.digest(bytes))
      const file = new Blob([new Uint8Array(10), bytes, new Uint8Array(10)])
      const slice = file.slice(10, 10 + bytes.byteLength)
      await store.put(cid, bytes, { blob: slice })
      expect(stored).toEqual([slice])
      expect(await all(store.get(cid))).toEqual([bytes])

      // a Blob that does not hold as many bytes is not trusted: the bytes are copied
      const other = new Uint8Array(32 * 1024).fill(9)
      const otherCid = CID.createV1(raw.code, await sha256.digest(other))
      const wrong = file.slice(0, 100)
      await store.put(otherCid, other, { blob: wrong })
      expect(stored[1]).not.toBe(wrong)
      expect(await all(store.get(otherCid))).toEqual([other])
      await store.close()
    } finally {
      IDBObjectStore.prototype.put = put
    }
  })

  it('puts that arrive one by one while a transaction commits share the next one, and every block is stored', async () => {
    const sizes: number[] = []
    const store = new IdbBlockstore(`group-${Math.random()}`)
    await store.open()
    const putInStore = IDBObjectStore.prototype.put
    let inTransaction = 0
    // the first transaction stays open (a slow disk flush) until every put has arrived
    const flushed = Promise.withResolvers<void>()
    IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      const tx = original.apply(this, args)
      if (args[1] === 'readwrite') {
        sizes.push(0)
        inTransaction = sizes.length - 1
        if (sizes.length === 1) {
          let open = true
          void flushed.promise.then(() => { open = false })
          const hold = (): void => { if (open) tx.objectStore(String(args[0])).get('/none').onsuccess = hold }
          hold()
        }
      }
      return tx
    }
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      sizes[inTransaction]++
      return putInStore.call(this, value, key)
    }
    try {
      const blocks = await Promise.all(Array.from({ length: 20 }, async (_, i) => block(100 + i)))
      // one put per macrotask, as an import hashing leaf after leaf hands them over
      const puts: Array<Promise<CID>> = []
      for (const { cid, bytes } of blocks) {
        puts.push(store.put(cid, bytes))
        await new Promise(resolve => setTimeout(resolve, 0))
      }
      flushed.resolve()
      await Promise.all(puts)
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(20)
      // the first put alone, the 19 that waited for it together
      expect(sizes).toEqual([1, 19])
      for (const { cid, bytes } of blocks) expect(await all(store.get(cid))).toEqual([bytes])
    } finally {
      IDBObjectStore.prototype.put = putInStore
      await store.close()
    }
  })

  it('a put after a failed transaction still commits', async () => {
    const store = new IdbBlockstore(`fail-${Math.random()}`)
    await store.open()
    const [first, second] = await Promise.all([block(200), block(201)])
    IDBDatabase.prototype.transaction = function () { throw new Error('disk full') }
    await expect(store.put(first.cid, first.bytes)).rejects.toThrow('disk full')
    IDBDatabase.prototype.transaction = original
    await store.put(second.cid, second.bytes)
    expect(await all(store.get(second.cid))).toEqual([second.bytes])
    expect(await store.has(first.cid)).toBe(false)
    await store.close()
  })

  it('reads several blocks as Blobs in one transaction, in the order asked, and a missing one is NotFoundError', async () => {
    const store = new IdbBlockstore(`blobs-${Math.random()}`)
    await store.open()
    const big = new Uint8Array(64 * 1024).map((_, i) => i % 251)
    const blocks = [...await Promise.all([1, 2].map(block)), { cid: CID.createV1(raw.code, await sha256.digest(big)), bytes: big }]
    await Promise.all(blocks.map(async ({ cid, bytes }) => store.put(cid, bytes)))
    let transactions = 0
    IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      transactions++
      return original.apply(this, args)
    }
    const order = [blocks[2], blocks[0], blocks[1]]
    const read = await store.getBlobs(order.map(b => b.cid))
    expect(transactions).toBe(1)
    expect(await Promise.all(read.map(async blob => new Uint8Array(await blob.arrayBuffer())))).toEqual(order.map(b => b.bytes))

    const missing = (await block(99)).cid
    await expect(store.getBlobs([blocks[0].cid, missing])).rejects.toMatchObject({ name: 'NotFoundError' })
    await store.close()
  })
})
