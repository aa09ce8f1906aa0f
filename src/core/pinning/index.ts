/**
 * The pinning service: pins belong to accounts, are fetched from the network (pin by CID)
 * or uploaded as a CAR, are stored once however many accounts pin them, and count to
 * each pinning account's storage quota through the storage ledger.
 *
 * Pin-by-CID jobs run in a fair queue: at most `concurrency` at once, and at most
 * `perAccount` of them for one account, so one account's unreachable pins cannot hold
 * every slot; a pin whose root block no provider sends within `noProviderTimeoutMs` fails
 * `UNAVAILABLE`.
 */
import PQueue from 'p-queue'
import { BadRequestError, CafeError, MissingBlockError, UnauthorizedError, UnavailableError, TimeoutError, toCafeError } from '../errors.ts'
import { createStorageLedger } from '../storage/ledger.ts'
import { CarStage } from './car-stage.ts'
import { dagSize } from './dag.ts'
import { KeyedLock } from '../util/keyed-lock.ts'
import { InUse } from './in-use.ts'
import { PinRecords, newRequestId } from './records.ts'
import { PinRefs } from './refs.ts'
import { createReplication } from './replication.ts'
import { StagingJournal } from './staging.ts'
import { createLibrary } from '../library/library.ts'
import { noMetrics, type CafeMetrics, type HistogramMetric } from '../metrics.ts'
import { PIN_STATES } from './pin-status.ts'
import { parseCid, validateMeta, validateName, validatePin, validateQuery } from './validate.ts'
import type { PinSummary } from './account-pins.ts'
import type { WalkOptions } from './dag.ts'
import type { Pin, PinInfo, PinQuery, PinRecord, PinResults, PinState, PinStatus } from './pin-status.ts'
import type { AddRefOptions, CollectOptions, GarbageReport, PinsLike } from './refs.ts'
import type { Fetch, ReplicaState, Replication, ReplicationInit } from './replication.ts'
import type { Reservation, StorageLedger } from '../storage/ledger.ts'
import type { AbortOptions, AccountDataOwner, AccountDirectory, AccountId, Clock, ComponentLogger } from '../types.ts'
import type { Logger } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'
import type { CID } from 'multiformats/cid'

export type { Pin, PinInfo, PinQuery, PinResults, PinState, PinStatus, TextMatch } from './pin-status.ts'
export type { RemotePinningService, ReplicaState, ReplicaStatus, ReplicationInit } from './replication.ts'
export type { CollectOptions, GarbageReport, PinsLike } from './refs.ts'

/** Retrieve a whole DAG into the blockstore (bitswap from the origins, then connected peers). */
export type FetchDag = (cid: CID, options: { origins: string[], signal: AbortSignal }) => Promise<void>

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
  /** the books of every service's storage, for the quota; absent: a ledger of this service's pins alone */
  ledger?: StorageLedger
  /** this cafe's multiaddrs, reported as `delegates` (and sent as `origins` to remote services) */
  delegates?(): string[]
  /** pins by status, the job queue's depth and wait */
  metrics?: CafeMetrics
  /** for replication: requests to the remote services; default globalThis.fetch */
  fetch?: Fetch
  /** for replication: dial a remote service's delegate */
  connect?(multiaddr: string, options?: AbortOptions): Promise<void>
}

export interface PinningInit {
  /** time limit for fetching and pinning one DAG; default 10 minutes */
  pinTimeoutMs?: number
  /** pin-by-CID jobs running at once; default 4 */
  concurrency?: number
  /** pin-by-CID jobs of one account running at once; default half of `concurrency` (at least 1) */
  perAccount?: number
  /** a pin fails UNAVAILABLE when no block of its root has arrived by then; default 30 s */
  noProviderTimeoutMs?: number
  /** copy every pinned DAG to remote Pinning Service API endpoints (replication.ts) */
  replication?: ReplicationInit
}

export interface ImportCarOptions extends AbortOptions {
  name?: string
  meta?: Record<string, string>
  /** the upload's announced length (Content-Length): reserved against the quota before reading */
  declaredSize?: number
}

export interface PinUsage extends Record<string, number> {
  /** pinned requests (queued, pinning and failed ones are not counted) */
  pins: number
  /** bytes of the pinned DAGs, each DAG once */
  pinBytes: number
}

export interface Pinning extends AccountDataOwner {
  /**
   * Keeps a local DAG for the cafe itself (the owner's library), under `holder`: counted to
   * no account, and never collected while held, even when an account unpins the same blocks.
   */
  keep (cid: CID, holder: string, options?: AddRefOptions): Promise<void>
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
  /** how many (remote, DAG) replicas are in each state, over every remote service or one (for metrics) */
  replicationStatus (remote?: string): Record<ReplicaState, number>
  /** the names of the remote services pins are replicated to (none without replication) */
  replicationRemotes (): string[]
  /** resume requests left queued or pinning by a previous run, and replication */
  start (options?: AbortOptions): Promise<void>
  /** abort running fetches; they resume on the next start */
  stop (): Promise<void>
  /**
   * Blocks that no pin, library entry, pin still being fetched or upload in flight needs:
   * reported, and removed unless `dryRun`.
   */
  collectGarbage (options?: CollectOptions): Promise<GarbageReport>
}

interface Job {
  /** the DAG it pins: garbage collection leaves what of it is here */
  cid: CID
  /** when it was queued (the clock's ms), for the wait metric */
  queuedAt: number
  controller: AbortController
  done: Promise<void>
}

const DEFAULT_PIN_TIMEOUT_MS = 10 * 60_000
const DEFAULT_NO_PROVIDER_TIMEOUT_MS = 30_000

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
  private readonly ledger: StorageLedger
  private readonly staging: StagingJournal
  private readonly pinTimeoutMs: number
  private readonly noProviderTimeoutMs: number
  private readonly perAccount: number
  private readonly jobs = new Map<string, Job>()
  /** every pin-by-CID job, `concurrency` at once */
  private readonly slots: PQueue
  /** each account's jobs, `perAccount` at once, on their way to a slot */
  private readonly accountQueues = new Map<AccountId, PQueue>()
  /** jobs holding a slot now (the rest of `jobs` wait for one) */
  private running = 0
  private readonly queueWait: HistogramMetric
  /** garbage collections that removed blocks: a fetch that overlapped one checks its DAG again */
  private collections = 0
  /** `created` must be unique: pagination steps by it */
  private lastCreated = 0
  private stopped = false
  /** a request's record changes one at a time (a delete must not race the job's last write) */
  private readonly recordLock = new KeyedLock()
  /** absent without remote services */
  private readonly replication?: Replication

  constructor (components: PinningComponents, init: PinningInit = {}) {
    this.components = components
    this.log = components.logger.forComponent('cafe:pinning')
    this.clock = components.clock ?? Date.now
    this.records = new PinRecords(components.datastore)
    this.staging = new StagingJournal({ datastore: components.datastore, log: this.log })
    const remotes = init.replication?.remotes ?? []
    if (remotes.length > 0) {
      // the owner's library is the cafe's own hold: replicated only when asked
      const replicated = (holder: string): boolean => holder !== CAFE_HOLDER || init.replication?.library === true
      this.replication = createReplication({
        datastore: components.datastore,
        logger: components.logger,
        clock: components.clock,
        fetch: components.fetch,
        connect: components.connect,
        origins: () => components.delegates?.() ?? [],
        wanted: async (cid, options) => (await this.refs.holders(cid, options)).some(replicated),
        wantedRoots: options => mapRoots(this.refs.roots(replicated, options))
      }, init.replication)
    }
    this.refs = new PinRefs({ ...components, log: this.log, inUse: this.inUse, journal: this.staging, onChange: cid => { this.replication?.changed(cid) } })
    this.pinTimeoutMs = init.pinTimeoutMs ?? DEFAULT_PIN_TIMEOUT_MS
    this.noProviderTimeoutMs = init.noProviderTimeoutMs ?? DEFAULT_NO_PROVIDER_TIMEOUT_MS
    const concurrency = init.concurrency ?? DEFAULT_CONCURRENCY
    this.perAccount = init.perAccount ?? Math.max(1, Math.floor(concurrency / 2))
    this.slots = new PQueue({ concurrency })
    this.ledger = components.ledger ?? createStorageLedger(components)
    this.ledger.addSource('pins', async (account, options) => (await this.records.summaries(account, options)).pinBytes)
    const metrics = components.metrics ?? noMetrics
    this.queueWait = metrics.histogram({
      name: 'cafe_pin_queue_wait_seconds',
      help: 'how long a pin-by-CID job waited for a slot',
      buckets: [0.01, 0.1, 1, 10, 60, 300, 1800]
    })
    metrics.gauge({
      name: 'cafe_pin_jobs',
      help: 'pin-by-CID jobs waiting for a slot (the queue depth) and running',
      labelNames: ['state'],
      collect: gauge => {
        gauge.set(Math.max(0, this.jobs.size - this.running), { state: 'waiting' })
        gauge.set(this.running, { state: 'running' })
      }
    })
    metrics.gauge({
      name: 'cafe_pins',
      help: 'pin requests of every account, by status',
      labelNames: ['status'],
      collect: async gauge => {
        const counts = await this.countByStatus()
        for (const status of PIN_STATES) gauge.set(counts[status], { status })
      }
    })
    metrics.gauge({
      name: 'cafe_replicas',
      help: 'pinned DAGs on each remote Pinning Service (replication), by the remote\'s name and the replica\'s status',
      labelNames: ['remote', 'status'],
      collect: gauge => {
        for (const remote of this.replicationRemotes()) {
          const counts = this.replicationStatus(remote)
          for (const [status, count] of Object.entries(counts)) gauge.set(count, { remote, status })
        }
      }
    })
  }

  /** Every account's pin requests by status (a scan of the records). */
  private async countByStatus (options?: AbortOptions): Promise<Record<PinState, number>> {
    const counts: Record<PinState, number> = { queued: 0, pinning: 0, pinned: 0, failed: 0 }
    for await (const record of this.records.list(undefined, options)) counts[record.status]++
    return counts
  }

  async add (account: AccountId, input: Pin, options?: AbortOptions): Promise<PinStatus> {
    await this.assertRegistered(account, options)
    const { pin } = validatePin(input)
    return this.queue(account, pin, undefined, options)
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
    const pins = await this.records.summaries(account, options)
    // filtered by status alone, the count is kept: the walk stops at the end of the page
    const counted = cids == null && name == null && meta.length === 0 && q.before == null && q.after == null ? pins.countWith(q.status) : undefined
    for (const pin of pins.newestFirst(q)) {
      if (counted != null && matches.length === q.limit) break
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
      return { count: counted ?? matches.length, results: (await read(matches.slice(0, q.limit))).map(r => this.toStatus(r)) }
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
    return this.queue(account, pin, old, options)
  }

  /** Admits a pin request under the ledger and queues it; a replaced request's pinned DAG stays until the new one settles. */
  private async queue (account: AccountId, pin: Pin, replacing: PinRecord | undefined, options?: AbortOptions): Promise<PinStatus> {
    const reservation = await this.admit(account, parseCid(pin.cid), options)
    try {
      const kept = replacing == null ? undefined : await this.forget(replacing, { keepRef: true }, options)
      const record = this.newRecord(account, pin, 'queued')
      if (kept != null) record.replaces = { requestid: kept.requestid, cid: kept.cid }
      await this.records.put(record, options)
      const status = this.toStatus(record)
      this.enqueue(record, reservation)
      return status
    } catch (err) {
      reservation.release()
      throw err
    }
  }

  async keep (cid: CID, holder: string, options?: AddRefOptions): Promise<void> {
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
    // a declared length is held whole from the start, so uploads that fit together never refuse each other
    const reservation = await this.ledger.reserve(account, options.declaredSize ?? 0, { signal: options.signal, sizeUnknown: options.declaredSize == null })
    const stage = new CarStage({ blockstore: this.components.blockstore, inUse: this.inUse, staged: this.staging.blocks() })
    const pinned: PinRecord[] = []
    try {
      await stage.read(car, {
        signal: options.signal,
        onBlock: (bytes) => {
          try {
            reservation.grow(bytes)
          } catch (err) {
            // give the room back at once, not after the clean-up: concurrent uploads that fit need it now
            reservation.release()
            throw err
          }
        }
      })
      const sizes: number[] = []
      for (const root of stage.roots) sizes.push(await this.sizeOfUpload(root, { signal: options.signal, index: stage.index }))
      await reservation.commit(async (fit) => {
        fit(await this.netBytes(account, stage.roots.map((root, i) => ({ cid: root, size: sizes[i] })), options))
        for (const [i, root] of stage.roots.entries()) {
          const record = this.newRecord(account, { cid: root.toString(), name, meta }, 'pinned')
          record.size = sizes[i]
          // a reference whose record a killed process never wrote is given back on the next start
          await stage.noteRoot(account, record.requestid, root)
          await this.refs.add(root, account, record.requestid, { signal: options.signal, index: stage.index })
          pinned.push(record)
          await this.records.put(record, options)
        }
      }, options)
      await stage.settle()
      this.log('account %s uploaded %d bytes, %d roots, %d new blocks', account, stage.bytes, stage.roots.length, stage.written.length)
      return pinned.map(r => this.toStatus(r))
    } catch (err) {
      reservation.release()
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
      reservation.release()
    }
  }

  async hasPin (account: AccountId, cid: string, options?: AbortOptions): Promise<boolean> {
    const wanted = parseCid(cid).toV1().toString()
    return (await this.records.summaries(account, options)).has(wanted)
  }

  async usageOf (account: AccountId, options?: AbortOptions): Promise<PinUsage> {
    const pins = await this.records.summaries(account, options)
    return { pins: pins.pins, pinBytes: pins.pinBytes }
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
    await this.replication?.start(options)
  }

  replicationStatus (remote?: string): Record<ReplicaState, number> {
    return this.replication?.status(remote) ?? { queued: 0, pinning: 0, pinned: 0, failed: 0, removing: 0 }
  }

  replicationRemotes (): string[] {
    return this.replication?.remoteNames() ?? []
  }

  async stop (): Promise<void> {
    this.stopped = true
    await this.replication?.stop()
    const jobs = [...this.jobs.values()]
    for (const job of jobs) job.controller.abort()
    await Promise.allSettled(jobs.map(async job => job.done))
  }

  async collectGarbage (options: CollectOptions = {}): Promise<GarbageReport> {
    const library = createLibrary(this.components)
    const jobs = this.jobs
    const report = await this.refs.collectGarbage(async function * () {
      for (const job of jobs.values()) yield job.cid
      // the owner's library holds its DAGs with `keep`; an entry is kept even if that was lost
      for (const entry of await library.list(options)) yield parseCid(entry.cid)
    }, options, () => { this.collections++ })
    return report
  }

  // --- pin by CID, in the background ---

  /**
   * What a pin by CID holds at admission: the DAG's size when it is already complete here
   * (so requests that cannot all fit are refused now, with 413), nothing when the account
   * already pins it, else nothing but a check that the account has room left.
   */
  private async admit (account: AccountId, cid: CID, options?: AbortOptions): Promise<Reservation> {
    if ((await this.records.summaries(account, options)).holdsDag(cid.toV1().toString())) return this.ledger.reserve(account, 0, options)
    const size = await this.localSize(cid, options)
    return this.ledger.reserve(account, size ?? 0, { signal: options?.signal, sizeUnknown: size == null })
  }

  /** The DAG's size if every block of it is here; undefined if not. */
  private async localSize (cid: CID, options?: AbortOptions): Promise<number | undefined> {
    if (!await this.components.blockstore.has(cid, options)) return undefined
    try {
      return await dagSize(this.components.blockstore, cid, options)
    } catch (err) {
      if (err instanceof MissingBlockError) return undefined
      throw err
    }
  }

  /** The bytes pinning these DAGs adds to the account: those it does not pin yet, each once. */
  private async netBytes (account: AccountId, dags: Array<{ cid: CID, size: number }>, options?: AbortOptions): Promise<number> {
    const pins = await this.records.summaries(account, options)
    const added = new Map<string, number>()
    for (const { cid, size } of dags) {
      const key = cid.toV1().toString()
      if (!pins.holdsDag(key)) added.set(key, size)
    }
    return [...added.values()].reduce((sum, size) => sum + size, 0)
  }

  private enqueue (record: PinRecord, reservation?: Reservation): void {
    const controller = new AbortController()
    const job: Job = { cid: parseCid(record.cid), queuedAt: this.clock(), controller, done: Promise.resolve() }
    this.jobs.set(record.requestid, job)
    // the account's own queue lets `perAccount` of its jobs at a time into the shared slots;
    // a job cancelled while it waits leaves the queues at once (runJob never runs)
    const { signal } = controller
    job.done = this.accountQueue(record.account)
      .add(async () => {
        await this.slots.add(async () => {
          this.queueWait.observe((this.clock() - job.queuedAt) / 1000)
          this.running++
          try { await this.runJob(record, signal, reservation) } finally { this.running-- }
        }, { signal })
      }, { signal })
      .catch(async err => {
        if (!signal.aborted) {
          this.log.error('pin job %s crashed - %e', record.requestid, err)
        } else if (!this.stopped) {
          // deleted before it ran: what it replaced is not kept for it any more
          await this.releaseReplaced(record).catch(err => { this.log.error('releasing what %s replaced failed - %e', record.requestid, err) })
        }
      })
      .finally(() => {
        reservation?.release()
        if (this.jobs.get(record.requestid) === job) this.jobs.delete(record.requestid)
      })
  }

  private accountQueue (account: AccountId): PQueue {
    let queue = this.accountQueues.get(account)
    if (queue == null) {
      const created = new PQueue({ concurrency: this.perAccount })
      created.on('idle', () => { if (this.accountQueues.get(account) === created) this.accountQueues.delete(account) })
      this.accountQueues.set(account, created)
      queue = created
    }
    return queue
  }

  private async runJob (record: PinRecord, cancel: AbortSignal, reservation?: Reservation): Promise<void> {
    const cid = parseCid(record.cid)
    const timeout = AbortSignal.timeout(this.pinTimeoutMs)
    const noProvider = new AbortController()
    const signal = AbortSignal.any([cancel, timeout, noProvider.signal])
    try {
      cancel.throwIfAborted()
      record.status = 'pinning'
      if (!await this.saveIfExists(record)) return
      await this.staging.noteRoot(record.account, record.requestid, cid, { signal })
      const size = await this.fetch(cid, record.origins, signal, noProvider)
      reservation ??= await this.ledger.reserve(record.account, 0, { signal })
      const kept = await reservation.commit(async (fit) => {
        fit(await this.netBytes(record.account, [{ cid, size }], { signal }))
        await this.refs.add(cid, record.account, record.requestid, { signal })
        await this.releaseReplaced(record)
        record.status = 'pinned'
        record.size = size
        return this.saveIfExists(record, true)
      }, { signal })
      // deleted while we pinned: give the reference straight back
      if (!kept) await this.refs.release(cid, record.account, record.requestid)
      await this.staging.clearRoot(record.account, record.requestid)
      if (kept) this.log('pinned %c for %s (%d bytes)', cid, record.account, size)
    } catch (err) {
      if (cancel.aborted) {
        this.log('pin %s cancelled', record.requestid)
        if (this.stopped) return
      } else {
        const failure = this.failureOf(err, { timedOut: timeout.aborted, noProvider: noProvider.signal.aborted })
        this.log('pin %s failed - %s %e', record.requestid, failure.code, err)
        record.status = 'failed'
        delete record.size
        record.failure = { reason: failure.code, details: failure.message }
      }
      await this.releaseReplaced(record)
      if (record.status === 'failed') await this.saveIfExists(record, true)
      // the root's note stays if the clean-up fails: the next start collects it
      await this.refs.collect(cid)
        .then(async () => { await this.staging.clearRoot(record.account, record.requestid) })
        .catch(err => { this.log.error('clean-up after %c failed - %e', cid, err) })
    }
  }

  /** A failed pin's reason, from the documented set (PinStatus.info.reason). */
  private failureOf (err: unknown, { timedOut, noProvider }: { timedOut: boolean, noProvider: boolean }): CafeError {
    if (noProvider) return new UnavailableError(`no provider sent the root block within ${this.noProviderTimeoutMs} ms`)
    if (timedOut) return new TimeoutError(`the DAG could not be fetched within ${this.pinTimeoutMs} ms`)
    const error = toCafeError(err)
    if (error.code === 'INTERNAL') {
      this.log.error('pin failed on an internal error - %e', err)
      return new CafeError('internal error', 'INTERNAL_SERVER_ERROR')
    }
    return error
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

  /**
   * The DAG's size once it is complete here, fetching it when it is not. A fetch whose
   * root block has not arrived within the no-provider limit is aborted through `noProvider`;
   * a fetch that fails for a network reason is UNAVAILABLE.
   */
  private async fetch (cid: CID, origins: string[], signal: AbortSignal, noProvider: AbortController): Promise<number> {
    const size = await this.localSize(cid, { signal })
    if (size != null) return size
    if (this.components.fetchDag == null) throw new UnavailableError('this cafe cannot fetch blocks from the network')
    const { blockstore } = this.components
    const timer = setTimeout(() => {
      Promise.resolve(blockstore.has(cid, { signal })).then(arrived => { if (!arrived) noProvider.abort() }, () => {})
    }, this.noProviderTimeoutMs)
    try {
      // a garbage collection may remove a block the walk had already seen here (below a block
      // not yet fetched when it looked): then the DAG is fetched once more
      for (let attempt = 0; ; attempt++) {
        const collections = this.collections
        await this.components.fetchDag(cid, { origins, signal })
        try {
          return await dagSize(blockstore, cid, { signal })
        } catch (err) {
          if (!(err instanceof MissingBlockError) || collections === this.collections || attempt > 0) throw err
        }
      }
    } catch (err) {
      if (signal.aborted || err instanceof CafeError) throw err
      throw new UnavailableError(`the DAG could not be fetched: ${(err as Error).message}`)
    } finally {
      clearTimeout(timer)
    }
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
    }, options)
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
    const info: PinInfo = {}
    if (record.size != null) info.dag_size = String(record.size)
    if (record.status === 'pinned' && this.replication != null) info.replicas = this.replication.replicasOf(parseCid(record.cid))
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

  // --- accounts ---

  private async assertRegistered (account: AccountId, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    if (!await this.components.accounts.isRegistered(account, options)) throw new UnauthorizedError('not a registered account')
  }

  /** A root of an upload must be complete here after the upload. */
  private async sizeOfUpload (root: CID, options: WalkOptions): Promise<number> {
    try {
      return await dagSize(this.components.blockstore, root, options)
    } catch (err) {
      if (!(err instanceof MissingBlockError)) throw err
      throw new BadRequestError(`the DAG under root ${root} is incomplete: ${(err as Error).message}`, 'CAR_INVALID')
    }
  }
}

async function * mapRoots (roots: AsyncIterable<string>): AsyncGenerator<CID> {
  for await (const cid of roots) yield parseCid(cid)
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
