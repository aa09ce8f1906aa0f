/**
 * The staging journal: what an ingest or a clean-up is about to leave on disk, noted in the
 * datastore before it happens, so the blocks of work a killed process never finished are
 * collected on the next start (`recover`), and only those.
 *
 * - `/cafe/staging/blocks/<list>/<block>` → CID: a block that may be unowned once the work
 *   ends. An upload notes each block before it writes it; a clean-up notes all its
 *   candidates before it deletes the first (a walk could not find the children of a
 *   block already deleted).
 * - `/cafe/staging/roots/<account>/<requestid>` → CID: a pin-by-CID job fetching a DAG.
 * - `/cafe/staging/roots/<account>/<requestid>` also for each root of an upload, until its
 *   record is written: a reference without a record is given back.
 * - `/cafe/staging/adding/<cid v1>`: left by earlier versions only, which pinned a DAG in Helia
 *   block by block before writing its first reference; recovery completes and undoes that pin.
 * - `/cafe/staging/unpins/<cid v1>`: the last reference to a DAG is gone, its unpin not done.
 *
 * On recovery a block is deleted only if nothing needs it (PinRefs' books, Helia's pins,
 * in-flight work). Journal writes acknowledge nothing, so they ask a store that syncs
 * acknowledged writes (src/headless/durable-stores.ts) not to sync them. Ordering still holds
 * after a kill: the datastore's log keeps its writes in order, and a note is written before
 * the block or deletion it covers.
 */
import { Key } from 'interface-datastore'
import { CID } from 'multiformats/cid'
import { blockKey } from './dag.ts'
import { newRequestId } from './records.ts'
import type { AbortOptions, AccountId } from '../types.ts'
import type { Logger } from '@libp2p/interface'
import type { Batch, Datastore } from 'interface-datastore'

/** Write options a syncing store honours: `sync: false` for writes that acknowledge nothing. */
export interface WriteOptions extends AbortOptions {
  sync?: boolean
}

export function unsynced (options?: AbortOptions): WriteOptions {
  return { ...options, sync: false }
}

const BLOCKS = '/cafe/staging/blocks/'
const ROOTS = '/cafe/staging/roots/'
const UNPINS = '/cafe/staging/unpins/'
const ADDING = '/cafe/staging/adding/'
const EMPTY = new Uint8Array(0)
/** keys read and cleared at once on recovery */
const SLICE = 1024

export interface StagingComponents {
  datastore: Datastore
  log: Logger
}

/** What recovery does with each kind of left-over note. */
export interface RecoveryHandlers {
  /** delete those of the blocks nothing needs */
  blocks(cids: CID[]): Promise<void>
  /** a pin-by-CID job's root; false keeps the note (the request resumes) */
  root(account: AccountId, requestid: string, root: CID): Promise<boolean>
  /** finish unpinning a DAG (it clears the note itself) */
  unpin(cid: CID): Promise<void>
  /** undo a half-made Helia pin an earlier version left (it clears the note itself) */
  adding(cid: CID): Promise<void>
}

/** Notes waiting for one datastore batch. */
interface PendingNotes {
  entries: Array<[Key, Uint8Array]>
  done: PromiseWithResolvers<void>
}

/**
 * One list of blocks that may be left unowned. Notes arriving while a batch of notes is
 * being written go into the next batch together (an upload writes several blocks at once),
 * so a CAR of small blocks pays about one journal write per few blocks, not one per block.
 */
export class StagedBlocks {
  readonly id: string
  private readonly journal: StagingJournal
  private readonly keys: Key[] = []
  /** block → the write of its note */
  private readonly noted = new Map<string, Promise<void>>()
  private pending?: PendingNotes
  private writing: Promise<void> = Promise.resolve()

  constructor (journal: StagingJournal, id: string) {
    this.journal = journal
    this.id = id
  }

  /** Note blocks before they are written or deleted; resolves once the notes are stored. */
  async note (cids: Iterable<CID>): Promise<void> {
    const waits: Array<Promise<void>> = []
    for (const cid of cids) {
      const block = blockKey(cid)
      const earlier = this.noted.get(block)
      if (earlier != null) { waits.push(earlier); continue }
      const pending = this.pending ?? this.nextBatch()
      const key = new Key(`${BLOCKS}${this.id}/${block}`)
      this.keys.push(key)
      pending.entries.push([key, cid.bytes])
      this.noted.set(block, pending.done.promise)
      waits.push(pending.done.promise)
    }
    await Promise.all(waits)
  }

  private nextBatch (): PendingNotes {
    const pending: PendingNotes = { entries: [], done: Promise.withResolvers<void>() }
    this.pending = pending
    this.writing = this.writing.then(async () => {
      // from here on, new notes wait for the batch after this one
      if (this.pending === pending) this.pending = undefined
      try {
        const batch = this.journal.datastore.batch()
        for (const [key, value] of pending.entries) batch.put(key, value)
        await batch.commit(unsynced())
        pending.done.resolve()
      } catch (err) {
        pending.done.reject(err)
      }
    })
    return pending
  }

  /** Note a root an upload is about to take a reference on for a request (cleared with the list). */
  async noteRoot (account: AccountId, requestid: string, root: CID, options?: AbortOptions): Promise<void> {
    this.keys.push(await this.journal.noteRoot(account, requestid, root, options))
  }

  /** The work is settled (its blocks owned, or deleted; its roots' records written, or their references given back): forget the notes. */
  async clear (options?: AbortOptions): Promise<void> {
    await this.writing
    await this.journal.deleteKeys(this.keys.splice(0), options)
    this.noted.clear()
    this.journal.ended(this.id)
  }
}

export class StagingJournal {
  readonly datastore: Datastore
  private readonly log: Logger
  /** lists and roots of this run: recovery leaves them to their owners */
  private readonly live = new Set<string>()
  private readonly liveRoots = new Set<string>()

  constructor (components: StagingComponents) {
    this.datastore = components.datastore
    this.log = components.log
  }

  blocks (): StagedBlocks {
    const id = newRequestId()
    this.live.add(id)
    return new StagedBlocks(this, id)
  }

  ended (id: string): void {
    this.live.delete(id)
  }

  async noteRoot (account: AccountId, requestid: string, root: CID, options?: AbortOptions): Promise<Key> {
    const key = new Key(`${ROOTS}${account}/${requestid}`)
    this.liveRoots.add(`${account}/${requestid}`)
    await this.datastore.put(key, root.bytes, unsynced(options))
    return key
  }

  async clearRoot (account: AccountId, requestid: string, options?: AbortOptions): Promise<void> {
    await this.datastore.delete(new Key(`${ROOTS}${account}/${requestid}`), unsynced(options))
    this.liveRoots.delete(`${account}/${requestid}`)
  }

  /** Adds the unpin note to the batch that drops a DAG's last reference. */
  noteUnpin (batch: Batch, cid: CID): void {
    batch.put(new Key(UNPINS + cid.toV1().toString()), EMPTY)
  }

  async noteUnpinNow (cid: CID, options?: AbortOptions): Promise<void> {
    await this.datastore.put(new Key(UNPINS + cid.toV1().toString()), EMPTY, unsynced(options))
  }

  async clearAddingNow (cid: CID, options?: AbortOptions): Promise<void> {
    await this.datastore.delete(new Key(ADDING + cid.toV1().toString()), unsynced(options))
  }

  async clearUnpin (cid: CID, options?: AbortOptions): Promise<void> {
    await this.datastore.delete(new Key(UNPINS + cid.toV1().toString()), unsynced(options))
  }

  async deleteKeys (keys: Key[], options?: AbortOptions): Promise<void> {
    for (let i = 0; i < keys.length; i += SLICE) {
      const batch = this.datastore.batch()
      for (const key of keys.slice(i, i + SLICE)) batch.delete(key)
      await batch.commit(unsynced(options))
    }
    for (const key of keys) {
      if (key.toString().startsWith(ROOTS)) this.liveRoots.delete(key.toString().slice(ROOTS.length))
    }
  }

  /**
   * Finish what a previous run left: half-made Helia pins (earlier versions), then unpins (their clean-up may
   * note blocks), then roots of requests, then block lists. Returns how many notes were handled.
   */
  async recover (handlers: RecoveryHandlers, options?: AbortOptions): Promise<number> {
    let handled = 0
    // a note that cannot be handled now is kept for the next start: it must not stop this one
    const attempt = async (what: string, work: () => Promise<void>): Promise<void> => {
      try {
        await work()
        handled++
      } catch (err) {
        options?.signal?.throwIfAborted()
        this.log.error('could not recover %s - %e', what, err)
      }
    }
    for (const key of await this.keysUnder(ADDING, options)) {
      await attempt(key.toString(), async () => { await handlers.adding(CID.parse(key.baseNamespace())) })
    }
    for (const key of await this.keysUnder(UNPINS, options)) {
      await attempt(key.toString(), async () => { await handlers.unpin(CID.parse(key.baseNamespace())) })
    }
    for (const { key, value } of await this.entriesUnder(ROOTS, options)) {
      const request = key.toString().slice(ROOTS.length)
      if (this.liveRoots.has(request)) continue
      const [account, requestid] = request.split('/')
      await attempt(key.toString(), async () => {
        if (await handlers.root(account, requestid, CID.decode(value))) await this.datastore.delete(key, unsynced(options))
      })
    }
    // one list at a time, a slice at a time: a crashed upload of small blocks may have noted many
    const lists = new Set<string>()
    for (const key of await this.keysUnder(BLOCKS, options)) lists.add(key.toString().slice(BLOCKS.length).split('/')[0])
    for (const list of lists) {
      if (this.live.has(list)) continue
      await attempt(`${BLOCKS}${list}`, async () => {
        const entries = await this.entriesUnder(`${BLOCKS}${list}/`, options)
        for (let i = 0; i < entries.length; i += SLICE) {
          const slice = entries.slice(i, i + SLICE)
          await handlers.blocks(slice.map(({ value }) => CID.decode(value)))
          await this.deleteKeys(slice.map(({ key }) => key), options)
        }
      })
    }
    if (handled > 0) this.log('recovered %d staging notes left by an earlier run', handled)
    return handled
  }

  private async keysUnder (prefix: string, options?: AbortOptions): Promise<Key[]> {
    const keys: Key[] = []
    for await (const key of this.datastore.queryKeys({ prefix }, options)) keys.push(key)
    return keys
  }

  private async entriesUnder (prefix: string, options?: AbortOptions): Promise<Array<{ key: Key, value: Uint8Array }>> {
    const entries: Array<{ key: Key, value: Uint8Array }> = []
    for await (const entry of this.datastore.query({ prefix }, options)) entries.push(entry)
    return entries
  }
}
