/**
 * Streams a CAR into the blockstore, verifying each block against its CID, and remembers
 * which blocks it newly wrote so a failed upload can take exactly those back, and each
 * block's size and links so the DAG need not be read back to be sized and pinned. Each new
 * block is noted in the staging journal before it is written, so a process killed
 * mid-upload has its blocks collected on the next start (staging.ts).
 */
import { CarBlockIterator } from '@ipld/car'
import { BadRequestError } from '../errors.ts'
import { DagIndex, blockKey, isIdentity, ownCid, verifyBlock } from './dag.ts'
import type { InUse } from './in-use.ts'
import type { StagedBlocks } from './staging.ts'
import type { AbortOptions, AccountId } from '../types.ts'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

export interface CarStageComponents {
  blockstore: Blockstore
  inUse: InUse
  /** the journal list the new blocks (and the roots' requests) are noted in before they are written */
  staged?: StagedBlocks
}

export interface ReadCarOptions extends AbortOptions {
  /** called with each block's size before it is stored; throws to stop (quota) */
  onBlock?(bytes: number): void
}

/** @ipld/car's decoder throws plain Errors; give them the codes a client can act on. */
function carError (err: unknown): unknown {
  if (!(err instanceof Error) || err.name !== 'Error') return err
  if (err.message.includes('Unexpected end of data')) {
    return new BadRequestError('the CAR ended in the middle of a block or header', 'CAR_TRUNCATED')
  }
  return new BadRequestError(`not a valid CAR: ${err.message}`, 'CAR_INVALID')
}

/** blocks written at once, so parsing and verifying the next block overlaps the disk write of the last */
const WRITE_AHEAD = 4

export class CarStage {
  /** blocks this upload stored that were not in the blockstore before */
  readonly written: CID[] = []
  /** the staged blocks, held in use until release() */
  readonly index = new DagIndex()
  roots: CID[] = []
  bytes = 0
  private readonly components: CarStageComponents
  private readonly held: string[] = []

  constructor (components: CarStageComponents) {
    this.components = components
  }

  async read (car: AsyncIterable<Uint8Array>, options: ReadCarOptions = {}): Promise<void> {
    const { inUse } = this.components
    const writes = new Set<Promise<void>>()
    const staged = new Set<string>()
    let failure: { error: unknown } | undefined
    try {
      const blocks = await CarBlockIterator.fromIterable(car)
      this.roots = await blocks.getRoots()
      for await (const { cid, bytes } of blocks) {
        options.signal?.throwIfAborted()
        if (failure != null) throw failure.error
        await verifyBlock(cid, bytes)
        options.onBlock?.(bytes.byteLength)
        this.bytes += bytes.byteLength
        if (isIdentity(cid)) continue
        const key = blockKey(cid)
        inUse.add(key)
        this.held.push(key)
        if (staged.has(key)) continue
        staged.add(key)
        this.index.add(cid, bytes)
        if (writes.size >= WRITE_AHEAD) await Promise.race(writes)
        // the CAR reader hands out views of buffers it never reuses, so `bytes` stays valid while the write waits
        const write: Promise<void> = this.store(cid, bytes, options)
          .catch(error => { failure ??= { error } })
          .finally(() => writes.delete(write))
        writes.add(write)
      }
      await Promise.all(writes)
      if (failure != null) throw failure.error
    } catch (err) {
      // the caller rolls back `written`: it must be complete
      await Promise.all(writes)
      throw carError(err)
    }
    if (this.roots.length === 0) throw new BadRequestError('the CAR names no root', 'CAR_INVALID')
  }

  private async store (cid: CID, bytes: Uint8Array, options: AbortOptions): Promise<void> {
    const { blockstore, inUse, staged } = this.components
    // a clean-up that decided to delete this block before we held it finishes first
    await inUse.settled(blockKey(cid))
    if (await blockstore.has(cid, options)) return
    await staged?.note([cid])
    // before the write: a rollback deletes a half-written block too
    this.written.push(ownCid(cid))
    // a view into the CAR reader's buffer: a store that keeps whole buffers (IndexedDB) copies it itself
    await blockstore.put(cid, bytes, options)
  }

  /** Note a root's request before its reference is taken: a killed process gives the reference back unless the record was written. */
  async noteRoot (account: AccountId, requestid: string, root: CID, options?: AbortOptions): Promise<void> {
    await this.components.staged?.noteRoot(account, requestid, root, options)
  }

  /** The upload is settled (pinned, or rolled back): its journal notes go. */
  async settle (options?: AbortOptions): Promise<void> {
    await this.components.staged?.clear(options)
  }

  /** Stop protecting the staged blocks from clean-up (idempotent). */
  release (): void {
    for (const key of this.held.splice(0)) this.components.inUse.release(key)
  }
}
