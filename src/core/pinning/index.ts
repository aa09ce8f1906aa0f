/**
 * The pinning service: pins belong to accounts, are fetched from the network (pin by CID)
 * or uploaded as a CAR, are stored once however many accounts pin them, and count to
 * each pinning account's storage quota.
 */
import { BadRequestError, PayloadTooLargeError, UnauthorizedError, UnavailableError, TimeoutError, toCafeError } from '../errors.ts'
import { CarStage } from './car-stage.ts'
import { dagSize } from './dag.ts'
import { KeyedLock } from '../util/keyed-lock.ts'
import { InUse } from './in-use.ts'
import { PinRecords, newRequestId } from './records.ts'
import { PinRefs } from './refs.ts'
import { StagingJournal } from './staging.ts'
import { parseCid, validateMeta, validateName, validatePin, validateQuery } from './validate.ts'
import type { PinSummary } from './account-pins.ts'
import type { WalkOptions } from './dag.ts'
import type { Pin, PinQuery, PinRecord, PinResults, PinState, PinStatus } from './pin-status.ts'
import type { PinsLike } from './refs.ts'
import type { AbortOptions, AccountDataOwner, AccountDirectory, AccountId, Clock, ComponentLogger } from '../types.ts'
import type { Logger } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'
import type { CID } from 'multiformats/cid'

export type { Pin, PinQuery, PinResults, PinState, PinStatus, TextMatch } from './pin-status.ts'
export type { PinsLike } from './refs.ts'

/** Retrieve a whole DAG into the blockstore (bitswap from the origins and connected peers). */
export type FetchDag = (cid: CID, options: { origins: string[], signal: AbortSignal }) => Promise<void>

/** Everything an account stores, in bytes (pins plus snapshots). Defaults to this service's own pin bytes. */
export type StorageUsage = (account: AccountId, options?: AbortOptions) => Promise<number>

export interface PinningComponents {
  blockstore: Blockstore
  datastore: Datastore
  /** Helia's `helia.pins` */
  pins: PinsLike
  /** absent: pin-by-CID requests fail unless the DAG is already here */
  fetchDag?: FetchDag
  accounts: AccountDirectory
  logger: ComponentLogger
  clock?: Clock
  /** the account's total storage use across services, for the quota check */
  usage?: StorageUsage
  /** this cafe's multiaddrs, reported as `delegates` */
  delegates?(): string[]
}

export interface PinningInit {
  /** time limit for fetching and pinning one DAG; default 10 minutes */
  pinTimeoutMs?: number
  /** pin-by-CID jobs running at once; default 4 */
  concurrency?: number
}

export interface ImportCarOptions extends AbortOptions {
  name?: string
  meta?: Record<string, string>
  /** the upload's announced length (Content-Length), checked against the quota before reading */
  declaredSize?: number
}

export interface PinUsage extends Record<string, number> {
  /** pin requests, whatever their status */
  pins: number
  /** DAG bytes of the pinned ones */
  pinBytes: number
}

export interface Pinning extends AccountDataOwner {
  /**
   * Keeps a local DAG for the cafe itself (the owner's library), under `holder`: counted to
   * no account, and never collected while held, even when an account unpins the same blocks.
   */
  keep (cid: CID, holder: string, options?: AbortOptions): Promise<void>
  /** Lets go of what `keep` held; blocks nothing else needs are deleted. */
  unkeep (cid: CID, holder: string, options?: AbortOptions): Promise<void>
  /** POST /pins: queue a pin by CID; it is fetched and pinned in the background */
  add (account: AccountId, pin: Pin, options?: AbortOptions): Promise<PinStatus>
  /** GET /pins/{requestid}; NotFoundError for unknown ids and other accounts' ids */
  get (account: AccountId, requestid: string, options?: AbortOptions): Promise<PinStatus>
  /** GET /pins */
  list (account: AccountId, query?: PinQuery, options?: AbortOptions): Promise<PinResults>
  /** POST /pins/{requestid}: a new request replaces the old; the old one's blocks stay until the new one settles */
  replace (account: AccountId, requestid: string, pin: Pin, options?: AbortOptions): Promise<PinStatus>
  /** DELETE /pins/{requestid} */
  remove (account: AccountId, requestid: string, options?: AbortOptions): Promise<void>
  /** Verify, store and pin the roots of an uploaded CAR; on any failure nothing of it stays */
  importCar (account: AccountId, car: AsyncIterable<Uint8Array>, options?: ImportCarOptions): Promise<PinStatus[]>
  /** true if the account has a pin request for this CID that is not failed */
  hasPin (account: AccountId, cid: string, options?: AbortOptions): Promise<boolean>
  usageOf (account: AccountId, options?: AbortOptions): Promise<PinUsage>
  removeAccount (account: AccountId, options?: AbortOptions): Promise<void>
  /** resume requests left queued or pinning by a previous run */
  start (options?: AbortOptions): Promise<void>
  /** abort running fetches; they resume on the next start */
  stop (): Promise<void>
}

interface Job {
  controller: AbortController
  done: Promise<void>
}

const DEFAULT_PIN_TIMEOUT_MS = 10 * 60_000

/** Whose references `keep` records: not a peer id, so no account can ever be it. */
const CAFE_HOLDER = 'cafe'

const DEFAULT_CONCURRENCY = 4
/** records read at once to match a meta filter */
const META_SCAN_SLICE = 256

class DefaultPinning implements Pinning {
  private readonly components: PinningComponents
  private readonly log: Logger
  private readonly clock: Clock
  private readonly records: PinRecords
  private readonly refs: PinRefs
  private readonly inUse = new InUse()
  private readonly staging: StagingJournal
  private readonly pinTimeoutMs: number
  private readonly concurrency: number
  private readonly jobs = new Map<string, Job>()
  private readonly waiting: Array<() => void> = []
  private running = 0
  /** `created` must be unique: pagination steps by it */
  private lastCreated = 0
  private stopped = false
  /** a request's record changes one at a time (a delete must not race the job's last write) */
  private readonly recordLock = new KeyedLock()
  /** bytes of uploads in flight, per account */
  private readonly reserved = new Map<AccountId, number>()

  constructor (components: PinningComponents, init: PinningInit = {}) {
    this.components = components
    this.log = components.logger.forComponent('cafe:pinning')
    this.clock = components.clock ?? Date.now
    this.records = new PinRecords(components.datastore)
    this.staging = new StagingJournal({ datastore: components.datastore, log: this.log })
    this.refs = new PinRefs({ ...components, log: this.log, inUse: this.inUse, journal: this.staging })
    this.pinTimeoutMs = init.pinTimeoutMs ?? DEFAULT_PIN_TIMEOUT_MS
    this.concurrency = init.concurrency ?? DEFAULT_CONCURRENCY
  }

  async add (account: AccountId, input: Pin, options?: AbortOptions): Promise<PinStatus> {
    await this.assertRegistered(account, options)
    const { pin } = validatePin(input)
    await this.checkQuota(account, 0, options)
    const record = this.newRecord(account, pin, 'queued')
    await this.records.put(record, options)
    this.enqueue(record)
    return this.toStatus(record)
  }

  async get (account: AccountId, requestid: string, options?: AbortOptions): Promise<PinStatus> {
    await this.assertRegistered(account, options)
    return this.toStatus(await this.records.get(account, requestid, options))
  }

  async list (account: AccountId, query: PinQuery = {}, options?: AbortOptions): Promise<PinResults> {
    await this.assertRegistered(account, options)
    const q = validateQuery(query)
    const cids = q.cid == null ? undefined : new Set(q.cid.map(c => parseCid(c).toV1().toString()))
    const name = q.name == null ? undefined : q.match.startsWith('i') ? q.name.toLowerCase() : q.name
    const meta = q.meta == null ? [] : Object.entries(q.meta)
    const matches: PinSummary[] = []
    for (const pin of (await this.records.summaries(account, options)).newestFirst(q)) {
      if (!q.status.includes(pin.status)) continue
      if (cids != null && !cids.has(pin.cid)) continue
      if (name != null && !nameMatches(pin.name, name, q.match)) continue
      if (meta.length > 0 && !pin.hasMeta) continue
      matches.push(pin)
    }
    const read = async (pins: PinSummary[]): Promise<PinRecord[]> => {
      // in parallel: a datastore answers many lookups at once much faster than one after another
      const records = await Promise.all(pins.map(async pin => this.records.find(account, pin.requestid, options)))
      return records.filter(record => record != null)
    }
    if (meta.length === 0) {
      return { count: matches.length, results: (await read(matches.slice(0, q.limit))).map(r => this.toStatus(r)) }
    }
    // meta is not in the summaries: read the candidates, a slice at a time
    let count = 0
    const results: PinStatus[] = []
    for (let i = 0; i < matches.length; i += META_SCAN_SLICE) {
      for (const record of await read(matches.slice(i, i + META_SCAN_SLICE))) {
        if (!meta.every(([k, v]) => record.meta?.[k] === v)) continue
        count++
        if (results.length < q.limit) results.push(this.toStatus(record))
      }
    }
    return { count, results }
  }

  async replace (account: AccountId, requestid: string, input: Pin, options?: AbortOptions): Promise<PinStatus> {
    await this.assertRegistered(account, options)
    const { pin } = validatePin(input)
    const old = await this.records.get(account, requestid, options)
    await this.checkQuota(account, 0, options)
    const kept = await this.forget(old, { keepRef: true }, options)
    const record = this.newRecord(account, pin, 'queued')
    if (kept != null) record.replaces = { requestid: kept.requestid, cid: kept.cid }
    await this.records.put(record, options)
    this.enqueue(record)
    return this.toStatus(record)
  }

  async keep (cid: CID, holder: string, options?: AbortOptions): Promise<void> {
    await this.refs.add(cid, CAFE_HOLDER, holder, options)
  }

  async unkeep (cid: CID, holder: string, options?: AbortOptions): Promise<void> {
    await this.refs.release(cid, CAFE_HOLDER, holder, options)
  }

  async remove (account: AccountId, requestid: string, options?: AbortOptions): Promise<void> {
    await this.assertRegistered(account, options)
    await this.forget(await this.records.get(account, requestid, options), {}, options)
  }

  async importCar (account: AccountId, car: AsyncIterable<Uint8Array>, options: ImportCarOptions = {}): Promise<PinStatus[]> {
    await this.assertRegistered(account, options)
    const name = validateName(options.name)
    const meta = validateMeta(options.meta)
    const quota = (await this.components.accounts.quotaOf(account)).storageBytes
    const used = await this.totalUsage(account, options)
    this.assertFits(used + this.reservedFor(account) + (options.declaredSize ?? 0), quota)
    const stage = new CarStage({ blockstore: this.components.blockstore, inUse: this.inUse, staged: this.staging.blocks() })
    const pinned: PinRecord[] = []
    let staged = 0
    try {
      await stage.read(car, {
        signal: options.signal,
        onBlock: (bytes) => {
          this.reserve(account, bytes)
          staged += bytes
          this.assertFits(used + this.reservedFor(account), quota)
        }
      })
      const sizes: number[] = []
      for (const root of stage.roots) sizes.push(await this.sizeOfUpload(root, { signal: options.signal, index: stage.index }))
      this.assertFits(await this.totalUsage(account, options) + sizes.reduce((a, b) => a + b, 0), quota)
      for (const [i, root] of stage.roots.entries()) {
        const record = this.newRecord(account, { cid: root.toString(), name, meta }, 'pinned')
        record.size = sizes[i]
        // a reference whose record a killed process never wrote is given back on the next start
        await stage.noteRoot(account, record.requestid, root)
        await this.refs.add(root, account, record.requestid, { signal: options.signal, index: stage.index })
        pinned.push(record)
        await this.records.put(record, options)
      }
      await stage.settle()
      this.log('account %s uploaded %d bytes, %d roots, %d new blocks', account, stage.bytes, stage.roots.length, stage.written.length)
      return pinned.map(r => this.toStatus(r))
    } catch (err) {
      stage.release()
      for (const record of pinned) {
        await this.records.delete(account, record.requestid)
        await this.refs.release(parseCid(record.cid), account, record.requestid)
      }
      await this.refs.rollback(stage.written)
      await stage.settle()
      throw err
    } finally {
      stage.release()
      this.reserve(account, -staged)
    }
  }

  async hasPin (account: AccountId, cid: string, options?: AbortOptions): Promise<boolean> {
    const wanted = parseCid(cid).toV1().toString()
    return (await this.records.summaries(account, options)).has(wanted)
  }

  async usageOf (account: AccountId, options?: AbortOptions): Promise<PinUsage> {
    const pins = await this.records.summaries(account, options)
    return { pins: pins.size, pinBytes: pins.pinBytes }
  }

  async removeAccount (account: AccountId, options?: AbortOptions): Promise<void> {
    const records: PinRecord[] = []
    for await (const record of this.records.list(account, options)) records.push(record)
    for (const record of records) await this.forget(record, {}, options)
    this.records.forget(account)
    this.log('removed %d pins of account %s', records.length, account)
  }

  async start (options?: AbortOptions): Promise<void> {
    this.stopped = false
    await this.recover(options)
    for await (const record of this.records.list(undefined, options)) {
      if ((record.status === 'queued' || record.status === 'pinning') && !this.jobs.has(record.requestid)) this.enqueue(record)
    }
  }

  async stop (): Promise<void> {
    this.stopped = true
    const jobs = [...this.jobs.values()]
    for (const job of jobs) job.controller.abort()
    await Promise.allSettled(jobs.map(async job => job.done))
  }

  // --- pin by CID, in the background ---

  private enqueue (record: PinRecord): void {
    const controller = new AbortController()
    const job: Job = { controller, done: Promise.resolve() }
    this.jobs.set(record.requestid, job)
    job.done = this.slot()
      .then(async () => { await this.runJob(record, controller.signal) })
      .catch(err => { this.log.error('pin job %s crashed - %e', record.requestid, err) })
      .finally(() => {
        this.jobs.delete(record.requestid)
        this.running--
        this.waiting.shift()?.()
      })
  }

  /** Wait for one of `concurrency` slots. */
  private async slot (): Promise<void> {
    if (this.running >= this.concurrency) {
      const { promise, resolve } = Promise.withResolvers<void>()
      this.waiting.push(resolve)
      await promise
    }
    this.running++
  }

  private async runJob (record: PinRecord, cancel: AbortSignal): Promise<void> {
    const cid = parseCid(record.cid)
    const signal = AbortSignal.any([cancel, AbortSignal.timeout(this.pinTimeoutMs)])
    try {
      cancel.throwIfAborted()
      record.status = 'pinning'
      if (!await this.saveIfExists(record)) return
      await this.staging.noteRoot(record.account, record.requestid, cid, { signal })
      const size = await this.fetch(cid, record.origins, signal)
      const quota = (await this.components.accounts.quotaOf(record.account)).storageBytes
      this.assertFits(await this.totalUsage(record.account) + this.reservedFor(record.account) + size, quota)
      await this.refs.add(cid, record.account, record.requestid, { signal })
      await this.releaseReplaced(record)
      record.status = 'pinned'
      record.size = size
      const kept = await this.saveIfExists(record, true)
      // deleted while we pinned: give the reference straight back
      if (!kept) await this.refs.release(cid, record.account, record.requestid)
      await this.staging.clearRoot(record.account, record.requestid)
      if (kept) this.log('pinned %c for %s (%d bytes)', cid, record.account, size)
    } catch (err) {
      if (cancel.aborted) {
        this.log('pin %s cancelled', record.requestid)
        if (this.stopped) return
      } else {
        const error = signal.aborted ? new TimeoutError(`the DAG could not be fetched within ${this.pinTimeoutMs} ms`) : toCafeError(err)
        this.log('pin %s failed - %e', record.requestid, err)
        record.status = 'failed'
        record.failure = { reason: error.code, details: error.message }
      }
      await this.releaseReplaced(record)
      if (record.status === 'failed') await this.saveIfExists(record, true)
      // the root's note stays if the clean-up fails: the next start collects it
      await this.refs.collect(cid)
        .then(async () => { await this.staging.clearRoot(record.account, record.requestid) })
        .catch(err => { this.log.error('clean-up after %c failed - %e', cid, err) })
    }
  }

  /** Collect what ingests and clean-ups of a killed run left behind (staging.ts). */
  private async recover (options?: AbortOptions): Promise<void> {
    await this.staging.recover({
      adding: async cid => { await this.refs.finishAdd(cid, options) },
      unpin: async cid => { await this.refs.finishUnpin(cid, options) },
      blocks: async cids => { await this.refs.rollback(cids, options) },
      root: async (account, requestid, root) => {
        const record = await this.records.find(account, requestid, options)
        if (record?.status === 'queued' || record?.status === 'pinning') return false
        if (record?.status === 'pinned') return true
        // a reference the record never got (or a failed request's) is given back, and what only it held collected
        if (await this.refs.holds(root, account, requestid)) await this.refs.release(root, account, requestid, options)
        else await this.refs.collect(root, options)
        return true
      }
    }, options)
  }

  private async releaseReplaced (record: PinRecord): Promise<void> {
    if (record.replaces == null) return
    const { cid, requestid } = record.replaces
    delete record.replaces
    await this.refs.release(parseCid(cid), record.account, requestid)
  }

  /** The DAG's size once it is complete here, fetching it when it is not. */
  private async fetch (cid: CID, origins: string[], signal: AbortSignal): Promise<number> {
    try {
      return await dagSize(this.components.blockstore, cid, { signal })
    } catch (err) {
      if ((err as { code?: string }).code !== 'MISSING_BLOCK') throw err
    }
    if (this.components.fetchDag == null) throw new UnavailableError('this cafe cannot fetch blocks from the network')
    await this.components.fetchDag(cid, { origins, signal })
    return dagSize(this.components.blockstore, cid, { signal })
  }

  // --- records ---

  private newRecord (account: AccountId, pin: Pin, status: PinState): PinRecord {
    this.lastCreated = Math.max(this.clock(), this.lastCreated + 1)
    const record: PinRecord = { requestid: newRequestId(), account, cid: pin.cid, origins: pin.origins ?? [], status, created: this.lastCreated }
    if (pin.name != null) record.name = pin.name
    if (pin.meta != null) record.meta = pin.meta
    return record
  }

  /**
   * Save a record the account has not deleted meanwhile; false if it is gone. A job's
   * final save also ends the job, in the same step, so `forget` knows who releases the pin.
   */
  private async saveIfExists (record: PinRecord, final = false): Promise<boolean> {
    return this.recordLock.run(record.requestid, async () => {
      if (await this.records.find(record.account, record.requestid) == null) return false
      await this.records.put(record)
      if (final) this.jobs.delete(record.requestid)
      return true
    })
  }

  /**
   * Delete a request; a pinned one gives back its reference, unless keepRef (a replacement
   * takes it over): then the pinned record whose reference was kept is returned.
   */
  private async forget (record: PinRecord, { keepRef = false }: { keepRef?: boolean }, options?: AbortOptions): Promise<PinRecord | undefined> {
    const found = await this.recordLock.run(record.requestid, async () => {
      const current = await this.records.find(record.account, record.requestid, options)
      if (current != null) await this.records.delete(record.account, record.requestid, options)
      return current == null ? undefined : { current, job: this.jobs.get(record.requestid) }
    })
    if (found == null) return
    const { current, job } = found
    if (job != null) {
      // a running job sees the record gone and gives back what it holds
      job.controller.abort()
      await job.done
      return
    }
    if (current.replaces != null) await this.refs.release(parseCid(current.replaces.cid), current.account, current.replaces.requestid, options)
    if (current.status !== 'pinned') return
    if (keepRef) return current
    await this.refs.release(parseCid(current.cid), current.account, current.requestid, options)
  }

  private toStatus (record: PinRecord): PinStatus {
    const pin: Pin = { cid: record.cid }
    if (record.name != null) pin.name = record.name
    if (record.origins.length > 0) pin.origins = record.origins
    if (record.meta != null) pin.meta = record.meta
    const info: Record<string, string> = {}
    if (record.size != null) info.dag_size = String(record.size)
    if (record.failure != null) {
      info.reason = record.failure.reason
      info.status_details = record.failure.details
    }
    return {
      requestid: record.requestid,
      status: record.status,
      created: new Date(record.created).toISOString(),
      pin,
      delegates: this.components.delegates?.() ?? [],
      info
    }
  }

  // --- accounts and quota ---

  private async assertRegistered (account: AccountId, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    if (!await this.components.accounts.isRegistered(account)) throw new UnauthorizedError('not a registered account')
  }

  private async totalUsage (account: AccountId, options?: AbortOptions): Promise<number> {
    if (this.components.usage != null) return this.components.usage(account, options)
    return (await this.usageOf(account, options)).pinBytes
  }

  private async checkQuota (account: AccountId, extra: number, options?: AbortOptions): Promise<void> {
    const quota = (await this.components.accounts.quotaOf(account)).storageBytes
    const used = await this.totalUsage(account, options) + this.reservedFor(account) + extra
    if (used >= quota) throw new PayloadTooLargeError('the account has no storage left', 'QUOTA_EXCEEDED')
  }

  private assertFits (bytes: number, quota: number): void {
    if (bytes > quota) throw new PayloadTooLargeError(`this would store ${bytes} bytes, over the account's quota of ${quota}`, 'QUOTA_EXCEEDED')
  }

  private reservedFor (account: AccountId): number {
    return this.reserved.get(account) ?? 0
  }

  private reserve (account: AccountId, bytes: number): void {
    const total = this.reservedFor(account) + bytes
    if (total <= 0) this.reserved.delete(account)
    else this.reserved.set(account, total)
  }

  /** A root of an upload must be complete here after the upload. */
  private async sizeOfUpload (root: CID, options: WalkOptions): Promise<number> {
    try {
      return await dagSize(this.components.blockstore, root, options)
    } catch (err) {
      if ((err as { code?: string }).code !== 'MISSING_BLOCK') throw err
      throw new BadRequestError(`the DAG under root ${root} is incomplete: ${(err as Error).message}`, 'BAD_CAR')
    }
  }
}

function nameMatches (name: string | undefined, wanted: string, match: string): boolean {
  if (name == null) return false
  switch (match) {
    case 'exact': return name === wanted
    case 'iexact': return name.toLowerCase() === wanted
    case 'partial': return name.includes(wanted)
    default: return name.toLowerCase().includes(wanted)
  }
}

export function createPinning (components: PinningComponents, init?: PinningInit): Pinning {
  return new DefaultPinning(components, init)
}
