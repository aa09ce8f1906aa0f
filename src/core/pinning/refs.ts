/**
 * Pin references: each pin request holds one on its DAG,
 * /cafe/pinrefs/<cid v1>/<account>/<requestid>, and the blocks of a DAG stay while any
 * reference to it does. The first reference to a DAG writes the cafe's (block, root) set,
 * /cafe/blockrefs/<multihash>/<root>, in the same datastore batch as the reference itself, so
 * a DAG is never half-pinned; the last reference going deletes that set and the blocks no
 * other root needs. A block is deleted only when no (block, root) entry, no in-flight import
 * and no legacy Helia pin holds it.
 *
 * Helia's own pins (`helia.pins`) are no longer written: `pins.add` writes a per-block count
 * (a get and a put per block, one after another, read-modify-write without a lock), and its
 * `pins.rm` keeps the wrong `pinnedBy` entries (helia 7.1 pins.js, `filter(c => equals(c, cid))`),
 * so it was never the cafe's source of truth. DAGs that an earlier version pinned in Helia are
 * still honoured: `isPinned` keeps their blocks, their unpin runs `pins.rm`, and a half-made
 * Helia pin a killed earlier run left is completed and taken back on start (`finishAdd`).
 * Never run `helia.gc()` on the cafe's blockstore: it knows nothing of these references.
 *
 * Every pin change and every block clean-up here runs one at a time. A clean-up notes its
 * candidate blocks in the staging journal before it deletes the first, and dropping a DAG's
 * last reference notes the unpin in the same batch, so a process killed half-way finishes the
 * clean-up on the next start (`finishUnpin`, staging.ts).
 */
import { Key } from 'interface-datastore'
import { blockKey, isIdentity, walkDag } from './dag.ts'
import { KeyedLock } from '../util/keyed-lock.ts'
import type { DagIndex } from './dag.ts'
import type { InUse } from './in-use.ts'
import type { StagingJournal } from './staging.ts'
import type { AbortOptions, AccountId } from '../types.ts'
import type { Logger } from '@libp2p/interface'
import type { Blockstore, Pair } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'
import type { CID } from 'multiformats/cid'

/**
 * How `pins.add` walks the DAG (Helia's `GraphWalkerFactory`). Helia 7.1 reads only
 * `node.block.cid` of what the walk yields, so the cafe's walker gives just that and
 * the block bytes need not be read back. (`never`: the cafe's walker ignores Helia's components.)
 */
export type PinWalkerFactory = (components: never) => {
  walk (cid: CID, options?: AbortOptions): AsyncIterable<{ block: { cid: CID } }>
}

/** The part of Helia's `helia.pins` the cafe still uses, for DAGs an earlier version pinned in Helia. */
export interface PinsLike {
  add (cid: CID, options?: AbortOptions & { walker?: PinWalkerFactory }): AsyncIterable<CID>
  rm (cid: CID, options?: AbortOptions & { walker?: PinWalkerFactory }): AsyncIterable<CID>
  isPinned (cid: CID, options?: AbortOptions): Promise<boolean>
}

export interface AddRefOptions extends AbortOptions {
  /** blocks of the DAG already known (an upload's staged blocks, held in use) */
  index?: DagIndex
}

export interface PinRefsComponents {
  datastore: Datastore
  blockstore: Blockstore
  pins: PinsLike
  log: Logger
  /** blocks in-flight imports are using: never deleted */
  inUse: InUse
  journal: StagingJournal
  /** a reference was taken or given back (replication follows the DAGs pinned here) */
  onChange?(cid: CID): void
}

export interface CollectOptions extends AbortOptions {
  /** report what would be removed, remove nothing */
  dryRun?: boolean
}

/** What a garbage collection found and removed. */
export interface GarbageReport {
  dryRun: boolean
  /** blocks in the blockstore */
  scanned: number
  /** blocks nothing needs, and their bytes, at the scan */
  removable: { blocks: number, bytes: number }
  /** what was removed (nothing on a dry run; less than removable when some became needed meanwhile) */
  removed: { blocks: number, bytes: number }
}

/** blocks a garbage collection checks (and removes) at once */
const GC_SLICE = 64

const PREFIX = '/cafe/pinrefs'
const EMPTY = new Uint8Array(0)
const BLOCK_PREFIX = '/cafe/blockrefs'

function cidPrefix (cid: CID): string {
  return `${PREFIX}/${cid.toV1().toString()}/`
}

function blockRefKey (block: CID, root: CID): Key {
  return new Key(`${BLOCK_PREFIX}/${blockKey(block)}/${root.toV1().toString()}`)
}

/** Helia walks a DAG with this: the local blocks only (never the network), from the index where it knows them. */
function localWalker (blockstore: Blockstore, options: { index?: DagIndex, skipMissing?: boolean } = {}): PinWalkerFactory {
  return () => ({
    walk: async function * (root) {
      for await (const { cid } of walkDag(blockstore, root, options)) yield { block: { cid } }
    }
  })
}

export class PinRefs {
  private readonly components: PinRefsComponents
  private readonly lock = new KeyedLock()

  constructor (components: PinRefsComponents) {
    this.components = components
  }

  /**
   * Pin changes are not abortable once started: an unpin deletes block references and
   * blocks step by step (its journal note finishes it after a crash, not after an abort).
   */
  private async exclusive <T> (options: AbortOptions | undefined, fn: () => Promise<T>): Promise<T> {
    options?.signal?.throwIfAborted()
    return this.lock.run('pins', fn, options)
  }

  private async hasKeys (prefix: string): Promise<boolean> {
    for await (const _ of this.components.datastore.queryKeys({ prefix, limit: 1 })) return true
    return false
  }

  private async hasRefs (cid: CID): Promise<boolean> {
    return this.hasKeys(cidPrefix(cid))
  }

  /** Some pinned root still needs this block (by the cafe's own books). */
  private async isNeeded (block: CID): Promise<boolean> {
    return this.hasKeys(`${BLOCK_PREFIX}/${blockKey(block)}/`)
  }

  /**
   * Take a reference on `cid` for a request. The first reference walks the DAG (reading only
   * blocks the index does not know, from the local blockstore; a missing block throws
   * BLOCK_MISSING) and writes a (block, root) entry for each block, in one batch with the
   * reference: all of it is on disk, or none.
   */
  async add (cid: CID, account: AccountId, requestid: string, options: AddRefOptions = {}): Promise<void> {
    const { datastore, blockstore } = this.components
    await this.exclusive(options, async () => {
      const batch = datastore.batch()
      if (!await this.hasRefs(cid)) {
        for await (const { cid: block } of walkDag(blockstore, cid, { index: options.index })) batch.put(blockRefKey(block, cid), EMPTY)
      }
      batch.put(new Key(cidPrefix(cid) + `${account}/${requestid}`), EMPTY)
      await batch.commit()
    })
    this.components.onChange?.(cid)
  }

  /** Completes Helia's pin of the DAG (one a killed earlier version half-made). */
  private async completeHeliaPin (cid: CID): Promise<void> {
    const { blockstore, pins } = this.components
    try {
      for await (const _ of pins.add(cid.toV1(), { walker: localWalker(blockstore, { skipMissing: true }) }));
    } catch (err) {
      if ((err as Error).name !== 'AlreadyPinnedError') throw err
    }
  }

  /**
   * Recovery of an `adding` note an earlier version left (it pinned in Helia block by block
   * before writing the reference): kept if its references were written, else Helia's
   * half-made pin is completed and taken back, with the blocks nothing else needs.
   */
  async finishAdd (cid: CID, options?: AbortOptions): Promise<void> {
    await this.exclusive(options, async () => {
      if (!await this.hasRefs(cid)) {
        await this.completeHeliaPin(cid)
        await this.components.journal.noteUnpinNow(cid)
        await this.unpin(cid)
      }
      await this.components.journal.clearAddingNow(cid)
    })
  }

  /** Drop a request's reference; the last one unpins the DAG and deletes the blocks nothing else needs. */
  async release (cid: CID, account: AccountId, requestid: string, options?: AbortOptions): Promise<void> {
    await this.exclusive(options, async () => {
      const key = new Key(cidPrefix(cid) + `${account}/${requestid}`)
      const last = !await this.hasOtherRefs(cid, key)
      const batch = this.components.datastore.batch()
      batch.delete(key)
      if (last) this.components.journal.noteUnpin(batch, cid)
      await batch.commit()
      if (last) await this.unpin(cid)
    })
    this.components.onChange?.(cid)
  }

  /** Who holds references on `cid` (accounts, and the cafe's own holder), each once. */
  async holders (cid: CID, options?: AbortOptions): Promise<string[]> {
    const holders = new Set<string>()
    for await (const key of this.components.datastore.queryKeys({ prefix: cidPrefix(cid) }, options)) holders.add(key.toString().slice(cidPrefix(cid).length).split('/')[0])
    return [...holders]
  }

  /** Every DAG (v1 CID string) with a reference from a holder that `accepts`, each once. */
  async * roots (accepts: (holder: string) => boolean, options?: AbortOptions): AsyncGenerator<string> {
    const seen = new Set<string>()
    for await (const key of this.components.datastore.queryKeys({ prefix: `${PREFIX}/` }, options)) {
      const [cid, holder] = key.toString().slice(PREFIX.length + 1).split('/')
      if (seen.has(cid) || !accepts(holder)) continue
      seen.add(cid)
      yield cid
    }
  }

  /** Whether this request holds a reference on `cid`. */
  async holds (cid: CID, account: AccountId, requestid: string, options?: AbortOptions): Promise<boolean> {
    return this.components.datastore.has(new Key(cidPrefix(cid) + `${account}/${requestid}`), options)
  }

  /** Finish an unpin a killed process left (recovery): a no-op if the DAG was pinned again since. */
  async finishUnpin (cid: CID, options?: AbortOptions): Promise<void> {
    await this.exclusive(options, async () => {
      if (await this.hasRefs(cid)) await this.components.journal.clearUnpin(cid)
      else await this.unpin(cid)
    })
  }

  private async hasOtherRefs (cid: CID, mine: Key): Promise<boolean> {
    for await (const key of this.components.datastore.queryKeys({ prefix: cidPrefix(cid), limit: 2 })) {
      if (key.toString() !== mine.toString()) return true
    }
    return false
  }

  /** The cafe's block references (and a legacy Helia pin) and the blocks nothing else needs go; then the unpin note. */
  private async unpin (cid: CID): Promise<void> {
    const { datastore, journal, pins, blockstore } = this.components
    const candidates = new Map<string, CID>()
    try {
      for await (const block of pins.rm(cid.toV1(), { walker: localWalker(blockstore, { skipMissing: true }) })) candidates.set(blockKey(block), block)
    } catch (err) {
      if ((err as Error).name !== 'NotFoundError') throw err
      // the usual case: only DAGs an earlier version pinned are pinned in Helia
      // nothing is deleted before the candidates are noted, so the walk still finds them all
      for await (const { cid: block } of walkDag(blockstore, cid, { skipMissing: true })) candidates.set(blockKey(block), block)
    }
    const staged = journal.blocks()
    await staged.note(candidates.values())
    const batch = datastore.batch()
    for (const block of candidates.values()) batch.delete(blockRefKey(block, cid))
    await batch.commit()
    await journal.clearUnpin(cid)
    await this.deleteUnneeded(candidates.values())
    await staged.clear()
  }

  /** After a failed or cancelled pin: delete what of the DAG is stored but not needed. */
  async collect (root: CID, options?: AbortOptions): Promise<void> {
    await this.exclusive(options, async () => {
      if (await this.hasRefs(root)) return
      const candidates: CID[] = []
      for await (const block of walkDag(this.components.blockstore, root, { skipMissing: true })) candidates.push(block.cid)
      await this.sweep(candidates)
    })
  }

  /** Note the candidates, delete those nothing needs, forget the note. */
  private async sweep (cids: CID[]): Promise<void> {
    const staged = this.components.journal.blocks()
    await staged.note(cids)
    await this.deleteUnneeded(cids)
    await staged.clear()
  }

  /** Delete blocks that no pin holds and no in-flight import uses. */
  private async deleteUnneeded (cids: Iterable<CID>): Promise<number> {
    const { inUse, blockstore, pins } = this.components
    let deleted = 0
    for (const cid of cids) {
      const key = blockKey(cid)
      if (isIdentity(cid) || inUse.has(key)) continue
      if (await this.isNeeded(cid) || await pins.isPinned(cid)) continue
      // in use is checked again at the delete itself: an upload may have taken the block meanwhile
      if (await inUse.deleteUnlessUsed(key, async () => { await blockstore.delete(cid) })) deleted++
    }
    this.components.log('deleted %d unneeded blocks', deleted)
    return deleted
  }

  /**
   * Garbage collection: every stored block that no pin reference, Helia pin, in-flight import
   * (in use) or block of `keep` (DAGs of pins still being fetched, library entries) needs.
   * The scan runs without the pin lock, so pins go on meanwhile; the removal takes the lock and
   * checks each block again, so a block pinned since the scan stays.
   */
  async collectGarbage (keep: () => AsyncIterable<CID>, options: CollectOptions = {}, beforeRemoval?: () => void): Promise<GarbageReport> {
    const { blockstore } = this.components
    const report: GarbageReport = { dryRun: options.dryRun === true, scanned: 0, removable: { blocks: 0, bytes: 0 }, removed: { blocks: 0, bytes: 0 } }
    const kept = await this.blocksOf(keep, options)
    const candidates: Array<{ cid: CID, bytes: number }> = []
    // a slice of blocks is checked at once: each check is a few datastore reads
    const check = async (pairs: Pair[]): Promise<void> => {
      await Promise.all(pairs.map(async ({ cid, bytes }) => {
        if (!await this.isGarbage(cid, kept)) return
        // only garbage is read, for its size
        let size = 0
        for await (const chunk of bytes) size += chunk.byteLength
        candidates.push({ cid, bytes: size })
        report.removable.blocks++
        report.removable.bytes += size
      }))
    }
    let slice: Pair[] = []
    for await (const pair of blockstore.getAll(options)) {
      report.scanned++
      slice.push(pair)
      if (slice.length < GC_SLICE) continue
      await check(slice)
      slice = []
    }
    await check(slice)
    if (report.dryRun || candidates.length === 0) return report
    await this.exclusive(options, async () => {
      // what started since the scan: a pin of a DAG these blocks belong to, a fetch that reached them
      const keptNow = await this.blocksOf(keep, options)
      beforeRemoval?.()
      for (let i = 0; i < candidates.length; i += GC_SLICE) {
        options.signal?.throwIfAborted()
        await Promise.all(candidates.slice(i, i + GC_SLICE).map(async ({ cid, bytes }) => {
          if (!await this.isGarbage(cid, keptNow)) return
          if (!await this.components.inUse.deleteUnlessUsed(blockKey(cid), async () => { await blockstore.delete(cid) })) return
          report.removed.blocks++
          report.removed.bytes += bytes
        }))
      }
    })
    this.components.log('garbage collection removed %d blocks (%d bytes) of %d', report.removed.blocks, report.removed.bytes, report.scanned)
    return report
  }

  private async isGarbage (cid: CID, kept: Set<string>): Promise<boolean> {
    const key = blockKey(cid)
    if (isIdentity(cid) || kept.has(key) || this.components.inUse.has(key)) return false
    return !(await this.isNeeded(cid) || await this.components.pins.isPinned(cid))
  }

  /** The blocks of these DAGs that are here (a DAG being fetched is partly here). */
  private async blocksOf (roots: () => AsyncIterable<CID>, options: AbortOptions): Promise<Set<string>> {
    const blocks = new Set<string>()
    for await (const root of roots()) {
      blocks.add(blockKey(root))
      try {
        for await (const { cid } of walkDag(this.components.blockstore, root, { skipMissing: true, signal: options.signal })) blocks.add(blockKey(cid))
      } catch (err) {
        options.signal?.throwIfAborted()
        // a codec the walk cannot read: its root at least is kept
        this.components.log('garbage collection cannot walk %c, keeping it - %e', root, err)
      }
    }
    return blocks
  }

  /** deleteUnneeded inside the pin lock (for an import rolling back, and for recovery: the caller holds the note). */
  async rollback (cids: Iterable<CID>, options?: AbortOptions): Promise<void> {
    await this.exclusive(options, async () => { await this.deleteUnneeded(cids) })
  }
}
