/**
 * One Helia pin per CID, shared by every pin request of every account that pins it:
 * each request holds a reference /cafe/pinrefs/<cid v1>/<account>/<requestid>, and the
 * Helia pin goes (with the blocks no other pin needs) when the last reference goes.
 *
 * Helia's pin bookkeeping is read-modify-write without a lock, so every pin change and
 * every block clean-up here runs one at a time. It also under-counts: `pins.rm` keeps the
 * wrong entries in a block's `pinnedBy` (helia 7.1 pins.js, `filter(c => equals(c, cid))`), so a
 * DAG pinned again after an unpin loses the count of blocks it shares with another pin, and
 * `isPinned` says false for blocks that are still needed. So the cafe keeps its own set of
 * (block, root) pairs, /cafe/blockrefs/<multihash>/<root>, and deletes a block only when
 * neither that set nor Helia holds it.
 *
 * A clean-up notes its candidate blocks in the staging journal before it deletes the first,
 * and dropping a DAG's last reference notes the unpin in the same batch, so a process killed
 * half-way finishes the clean-up on the next start (`finishUnpin`, staging.ts).
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

/** The part of Helia's `helia.pins` the cafe uses. */
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
   * Pin changes are not abortable once started: Helia writes its per-block counts as it
   * walks, so an abort half-way would leave blocks counted to a pin that does not exist.
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
   * Take a reference on `cid` for a request, pinning it in Helia if it is the first. The
   * walk reads only blocks the index does not know, from the local blockstore; the cafe's
   * block references are written in one batch, after Helia's pin. Helia writes its
   * per-block counts one by one, so the pin is noted first: a process killed half-way has
   * the half-made Helia pin undone on the next start (`finishAdd`).
   */
  async add (cid: CID, account: AccountId, requestid: string, options: AddRefOptions = {}): Promise<void> {
    const { datastore, journal } = this.components
    await this.exclusive(options, async () => {
      const batch = datastore.batch()
      if (!await this.hasRefs(cid)) {
        await journal.noteAdding(cid)
        await this.pinInHelia(cid, block => { batch.put(blockRefKey(block, cid), new Uint8Array(0)) }, { index: options.index })
        journal.clearAdding(batch, cid)
      }
      batch.put(new Key(cidPrefix(cid) + `${account}/${requestid}`), new Uint8Array(0))
      await batch.commit()
    })
    this.components.onChange?.(cid)
  }

  /** Helia's pin of the DAG, each block of it given to `onBlock`; one made already (by a killed run) is kept. */
  private async pinInHelia (cid: CID, onBlock: (block: CID) => void, options: { index?: DagIndex, skipMissing?: boolean }): Promise<void> {
    const { blockstore, pins } = this.components
    try {
      for await (const block of pins.add(cid.toV1(), { walker: localWalker(blockstore, options) })) onBlock(block)
    } catch (err) {
      if ((err as Error).name !== 'AlreadyPinnedError') throw err
      for await (const { cid: block } of walkDag(blockstore, cid, options)) onBlock(block)
    }
  }

  /**
   * Recovery of an add a killed process left: kept if its references were written (the
   * note went in the same batch, so only a crash between is left), else Helia's
   * half-made pin is completed and taken back, with the blocks nothing else needs.
   */
  async finishAdd (cid: CID, options?: AbortOptions): Promise<void> {
    await this.exclusive(options, async () => {
      if (!await this.hasRefs(cid)) {
        await this.pinInHelia(cid, () => {}, { skipMissing: true })
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

  /** Helia's pin, the cafe's block references and the blocks nothing else needs go; then the unpin note. */
  private async unpin (cid: CID): Promise<void> {
    const { datastore, journal, pins, blockstore, log } = this.components
    const candidates = new Map<string, CID>()
    try {
      for await (const block of pins.rm(cid.toV1(), { walker: localWalker(blockstore, { skipMissing: true }) })) candidates.set(blockKey(block), block)
    } catch (err) {
      if ((err as Error).name !== 'NotFoundError') throw err
      log('%c was not pinned in Helia', cid)
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
