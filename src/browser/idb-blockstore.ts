/**
 * An IndexedDB blockstore with the same on-disk layout as `blockstore-idb` (one object
 * store named after the database, keys `/<base32upper(multihash)>`), fixing the two
 * problems measured in ../shared/PLATFORM.md:
 *
 * - IndexedDB stores the whole ArrayBuffer behind a Uint8Array view, and the UnixFS
 *   importer hands out views into the caller's buffer, so a 1 MiB block could be stored
 *   as the whole 100 MiB input. Views that do not span their buffer are copied first.
 * - blockstore-idb opens one transaction per block. Here puts that arrive while a
 *   transaction is being prepared are coalesced into one transaction.
 *
 * - Puts commit with `durability: 'strict'`: IndexedDB answers only once the blocks are
 *   flushed to disk (Chromium's default, 'relaxed', may answer before), so a pin the cafe
 *   acknowledges after storing its blocks survives a power cut. Puts are already grouped in
 *   one transaction, and one transaction commits at a time (puts arriving meanwhile go in the
 *   next), so the flush is paid once per group, not per block, even when blocks arrive one by
 *   one as an import hashes them.
 *
 * Blocks of BLOB_THRESHOLD bytes or more are stored as Blobs. A put may bring the block as a
 * Blob too (`blob` in its options: the slice of a File being added); that Blob is stored
 * then, rather than a copy of the bytes made in JavaScript, which cost an add more than
 * hashing the bytes did. Reading a Blob from
 * IndexedDB copies nothing into JavaScript, so the gateway can answer a file as one Blob
 * of its leaves (`getBlob`) and the browser streams it to the page without passing every
 * byte through the Service Worker's thread (docs/ARCHITECTURE.md has the figures).
 * Values stored as Uint8Array (by blockstore-idb, or small blocks) read the same way.
 *
 * It runs wherever IndexedDB does: the SharedWorker writes, the Service Worker reads.
 */
import { BaseBlockstore } from 'blockstore-core'
import { openDB, type IDBPDatabase } from 'idb'
import { NotFoundError } from 'interface-store'
import { base32upper } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import { concat } from 'uint8arrays/concat'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import type { AbortOptions } from '@libp2p/interface'
import type { Pair } from 'interface-blockstore'

/** Blocks this large or larger are stored as Blobs (UnixFS leaves are 256 KiB – 1 MiB). */
export const BLOB_THRESHOLD = 16 * 1024

type StoredValue = Uint8Array | Blob

interface PendingPut {
  key: string
  value: StoredValue
  resolve(): void
  reject(err: unknown): void
}

export function blockKey (cid: CID): string {
  return `/${base32upper.encode(cid.multihash.bytes)}`
}

function cidFromKey (key: string): CID {
  return CID.createV1(raw.code, Digest.decode(base32upper.decode(key.substring(1))))
}

/** A copy of `bytes` that owns its buffer exactly, unless it already does. */
export function ownBuffer (bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
}

/** the block as a Blob: the one the caller holds for these bytes, else a copy */
function asBlob (bytes: Uint8Array, blob?: Blob): Blob {
  return blob instanceof Blob && blob.size === bytes.byteLength ? blob : new Blob([bytes as Uint8Array<ArrayBuffer>])
}

async function gather (source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  return concat(parts)
}

export class IdbBlockstore extends BaseBlockstore {
  readonly name: string
  private db?: IDBPDatabase
  private pending: PendingPut[] = []
  private flushScheduled = false
  /** the transaction committing now: puts arriving meanwhile wait and go in the next one */
  private committing: Promise<void> = Promise.resolve()

  constructor (name: string) {
    super()
    this.name = name
  }

  async open (): Promise<void> {
    const store = this.name
    this.db = await openDB(store, 1, {
      upgrade (db) { db.createObjectStore(store) }
    })
  }

  async close (): Promise<void> {
    this.db?.close()
    this.db = undefined
  }

  private database (): IDBPDatabase {
    if (this.db == null) throw new Error('the blockstore is not open')
    return this.db
  }

  override async put (cid: CID, value: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options?: AbortOptions & { blob?: Blob }): Promise<CID> {
    options?.signal?.throwIfAborted()
    const bytes = value instanceof Uint8Array ? value : await gather(value)
    const stored = bytes.byteLength >= BLOB_THRESHOLD ? asBlob(bytes, options?.blob) : ownBuffer(bytes)
    await new Promise<void>((resolve, reject) => {
      this.pending.push({ key: blockKey(cid), value: stored, resolve, reject })
      this.scheduleFlush()
    })
    return cid
  }

  private scheduleFlush (): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    // a macrotask lets the importer's parallel writers join the same transaction, and one
    // transaction commits at a time (a group commit): puts that arrive one by one while it
    // flushes to disk share the next flush instead of paying one each
    setTimeout(() => {
      this.committing = this.committing.then(async () => {
        this.flushScheduled = false
        await this.flush()
      })
    }, 0)
  }

  private async flush (): Promise<void> {
    const batch = this.pending
    this.pending = []
    if (batch.length === 0) return
    try {
      const tx = this.database().transaction(this.name, 'readwrite', { durability: 'strict' })
      for (const { key, value } of batch) void tx.store.put(value, key)
      await tx.done
      for (const put of batch) put.resolve()
    } catch (err) {
      for (const put of batch) put.reject(err)
    }
  }

  override async * get (cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    options?.signal?.throwIfAborted()
    const value = await this.read(cid)
    yield value instanceof Blob ? new Uint8Array(await value.arrayBuffer()) : value
  }

  /** The block as a Blob, without copying its bytes into JavaScript when stored as one. */
  async getBlob (cid: CID, options?: AbortOptions): Promise<Blob> {
    return (await this.getBlobs([cid], options))[0]
  }

  /** Several blocks as Blobs, read in one transaction (a transaction per block cost the gateway's first byte). */
  async getBlobs (cids: CID[], options?: AbortOptions): Promise<Blob[]> {
    options?.signal?.throwIfAborted()
    const store = this.database().transaction(this.name, 'readonly').store
    const values: Array<StoredValue | undefined> = await Promise.all(cids.map(async cid => store.get(blockKey(cid))))
    return values.map((value, i) => {
      if (value === undefined) throw new NotFoundError(`block ${cids[i]} is not in the blockstore`)
      return value instanceof Blob ? value : new Blob([value as Uint8Array<ArrayBuffer>])
    })
  }

  private async read (cid: CID): Promise<StoredValue> {
    const value: StoredValue | undefined = await this.database().get(this.name, blockKey(cid))
    if (value === undefined) throw new NotFoundError(`block ${cid} is not in the blockstore`)
    return value
  }

  override async has (cid: CID, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    return (await this.database().getKey(this.name, blockKey(cid))) !== undefined
  }

  override async delete (cid: CID, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    await this.database().delete(this.name, blockKey(cid))
  }

  override async * getAll (options?: AbortOptions): AsyncGenerator<Pair> {
    for (const key of await this.database().getAllKeys(this.name)) {
      options?.signal?.throwIfAborted()
      const cid = cidFromKey(String(key))
      yield { cid, bytes: this.get(cid, options) }
    }
  }

  /** How many blocks are stored (cheap: IndexedDB counts keys). */
  async count (): Promise<number> {
    return this.database().count(this.name)
  }
}
