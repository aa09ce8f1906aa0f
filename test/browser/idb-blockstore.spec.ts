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
})
