/**
 * The headless cafe's stores, so that an answer the cafe gives means the data is on disk
 * (a power cut, not only a killed process, keeps it):
 *
 * - `DurableFsBlockstore` (blockstore-fs) writes block files as before, without waiting for
 *   the disk, and remembers them; `sync()` fsyncs every file written since, then their
 *   directories, in parallel and shared by every caller waiting at the time (a group commit).
 *   On open it deletes the temporary files a killed write left (`.<name>.data.tmp`).
 * - `DurableLevelDatastore` (datastore-level, which passes no options to LevelDB) writes with
 *   LevelDB's `sync: true`, after `sync()` of the blockstore: whatever a record names was
 *   written before it, so it is on disk before the record is. Writes that acknowledge
 *   nothing pass `sync: false` (the staging journal) or go through `unsynced()` (Helia's
 *   own bookkeeping: per-block pin counts, the peer store); LevelDB keeps one log in order,
 *   so the next synced write carries them to disk too.
 *
 * An upload of many blocks thus pays one parallel fsync of its files when its pin is
 * recorded, not one per block. `durable: false` (an operator's choice, docs/HEADLESS.md)
 * turns all of it off: the operating system writes back when it likes.
 */
import fs from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { FsBlockstore } from 'blockstore-fs'
import { NextToLast } from 'blockstore-fs/sharding'
import { LevelDatastore } from 'datastore-level'
import { DeleteFailedError, PutFailedError } from 'interface-store'
import type { AbortOptions } from '@libp2p/interface'
import type { Batch, Datastore, Key } from 'interface-datastore'
import type { CID } from 'multiformats/cid'

/** the write options the cafe passes (src/core/pinning/staging.ts) */
export interface WriteOptions extends AbortOptions {
  sync?: boolean
}

/** fsyncs at once: enough to keep the disk's queue full, few enough for the fd limit */
const SYNC_PARALLEL = 32
/** files waiting for a sync before one is started without being asked (bounds the memory) */
const MAX_DIRTY = 8192

/** Runs `fn` on every item, `limit` at a time. */
async function eachLimit<T> (items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++])
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

async function fsyncPath (path: string): Promise<void> {
  let handle: fs.FileHandle
  try {
    handle = await fs.open(path, 'r')
  } catch (err) {
    // deleted since it was written: nothing to keep
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  try {
    await handle.sync()
  } catch (err) {
    // some platforms cannot fsync a directory; the files themselves are synced
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EBADF'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err
  } finally {
    await handle.close()
  }
}

export interface DurableInit {
  /** fsync before acknowledging; default true */
  durable?: boolean
}

export class DurableFsBlockstore extends FsBlockstore {
  readonly durable: boolean
  private readonly sharding: NextToLast
  /** block files written since the last sync */
  private dirty = new Set<string>()
  /** the sync running now, and the one that will run after it for files written meanwhile */
  private running?: Promise<void>
  private queued?: Promise<void>
  /** temporary files deleted by open() */
  staleTemporaries = 0
  /** sync rounds run and files they synced, since construction */
  readonly synced = { rounds: 0, files: 0 }

  constructor (location: string, init: DurableInit = {}) {
    const sharding = new NextToLast()
    super(location, { shardingStrategy: sharding })
    this.sharding = sharding
    this.durable = init.durable ?? true
  }

  /** Opens the store and deletes what writes killed half-way left: nothing else writes yet. */
  override async open (): Promise<void> {
    await super.open()
    this.staleTemporaries = 0
    for (const shard of await fs.readdir(this.path, { withFileTypes: true })) {
      if (!shard.isDirectory()) continue
      const dir = join(this.path, shard.name)
      for (const name of await fs.readdir(dir)) {
        if (!name.startsWith('.') || !name.endsWith('.tmp')) continue
        await fs.rm(join(dir, name), { force: true })
        this.staleTemporaries++
      }
    }
  }

  /** the file that holds a block */
  fileOf (cid: CID): string {
    const { dir, file } = this.sharding.encode(cid)
    return join(this.path, dir, file)
  }

  override async put (cid: CID, value: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options?: AbortOptions): Promise<CID> {
    await super.put(cid, value, options)
    if (this.durable) {
      this.dirty.add(this.fileOf(cid))
      if (this.dirty.size >= MAX_DIRTY) this.sync().catch(() => {})
    }
    return cid
  }

  override async delete (cid: CID, options?: AbortOptions): Promise<void> {
    await super.delete(cid, options)
    this.dirty.delete(this.fileOf(cid))
  }

  /** block files written and not yet synced */
  get pending (): number {
    return this.dirty.size
  }

  /** Resolves once every block file written before the call is on disk (with its directory entry). */
  async sync (): Promise<void> {
    if (this.dirty.size === 0) return this.queued ?? this.running
    if (this.queued != null) return this.queued
    const previous = this.running ?? Promise.resolve()
    const round: Promise<void> = previous.catch(() => {}).then(async () => {
      this.queued = undefined
      this.running = round
      const files = [...this.dirty]
      this.dirty = new Set()
      try {
        await eachLimit(files, SYNC_PARALLEL, fsyncPath)
        // the directory entries (renames from the temporary files, new shard directories)
        await eachLimit([...new Set(files.map(file => dirname(file))), this.path], SYNC_PARALLEL, fsyncPath)
        this.synced.rounds++
        this.synced.files += files.length
      } finally {
        if (this.running === round) this.running = undefined
      }
    })
    this.queued = round
    return round
  }
}

export interface DurableDatastoreInit extends DurableInit {
  /** made durable before each synced write (the blockstore's sync) */
  before?(): Promise<void>
}

export class DurableLevelDatastore extends LevelDatastore {
  readonly durable: boolean
  private readonly before: () => Promise<void>

  constructor (location: string, init: DurableDatastoreInit = {}) {
    super(location)
    this.durable = init.durable ?? true
    this.before = init.before ?? (async () => {})
  }

  private syncs (options?: WriteOptions): boolean {
    return this.durable && options?.sync !== false
  }

  override async put (key: Key, value: Uint8Array, options?: WriteOptions): Promise<Key> {
    if (!this.syncs(options)) return super.put(key, value, options)
    options?.signal?.throwIfAborted()
    await this.before()
    try {
      await this.db.put(key.toString(), value, { sync: true })
    } catch (err) {
      throw new PutFailedError(String(err))
    }
    return key
  }

  override async delete (key: Key, options?: WriteOptions): Promise<void> {
    if (!this.syncs(options)) return super.delete(key, options)
    options?.signal?.throwIfAborted()
    await this.before()
    try {
      await this.db.del(key.toString(), { sync: true })
    } catch (err) {
      throw new DeleteFailedError(String(err))
    }
  }

  override batch (): Batch {
    const ops: Array<{ type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }> = []
    return {
      put: (key, value) => { ops.push({ type: 'put', key: key.toString(), value }) },
      delete: (key) => { ops.push({ type: 'del', key: key.toString() }) },
      commit: async (options?: WriteOptions) => {
        options?.signal?.throwIfAborted()
        const sync = this.syncs(options)
        if (sync) await this.before()
        await this.db.batch(ops, { sync })
      }
    }
  }

  /** The same database, every write unsynced: for Helia, whose writes acknowledge nothing to a client. */
  unsynced (): Datastore {
    return Object.assign(Object.create(this) as DurableLevelDatastore, {
      put: async (key: Key, value: Uint8Array, options?: AbortOptions) => this.put(key, value, { ...options, sync: false }),
      delete: async (key: Key, options?: AbortOptions) => { await this.delete(key, { ...options, sync: false }) },
      batch: (): Batch => {
        const batch = this.batch()
        const unsyncedOptions: WriteOptions = { sync: false }
        return { ...batch, commit: async (options?: AbortOptions) => { await batch.commit({ ...options, ...unsyncedOptions }) } }
      },
      // closing is the owner's job
      async open () {},
      async close () {}
    })
  }
}

/** The blockstore and datastore of a data directory, durable unless `durable: false`. */
export async function openDurableStores (dataDir: string, init: DurableInit = {}): Promise<{ blockstore: DurableFsBlockstore, datastore: DurableLevelDatastore }> {
  const blockstore = new DurableFsBlockstore(join(dataDir, 'blocks'), init)
  const datastore = new DurableLevelDatastore(join(dataDir, 'data'), { ...init, before: async () => { await blockstore.sync() } })
  await blockstore.open()
  try {
    await datastore.open()
  } catch (err) {
    await blockstore.close()
    throw err
  }
  return { blockstore, datastore }
}
