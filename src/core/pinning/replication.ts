/**
 * Replication of the cafe's pinned DAGs to remote IPFS Pinning Service API endpoints (an IPFS
 * Cluster, a Kubo-based or commercial service, another cafe), in the background.
 *
 * One remote pin per (remote, DAG), however many local requests pin the DAG: sent with this
 * cafe's multiaddrs as `origins` once the DAG is complete here, followed to `pinned` by polling
 * its request id, and deleted when the last local owner unpins. Every request runs in the
 * remote's own queue (`concurrency` at once) under `requestTimeoutMs`; a failure or an
 * unfinished remote pin is tried again after a backoff (`minDelayMs` doubling up to
 * `maxDelayMs`, with jitter), and a remote that did not answer is left alone until its own
 * backoff ends. So a remote that is down costs local pinning nothing.
 *
 * The state, one record per (remote, DAG) under /cafe/replicas/<remote>/<cid v1>, is kept in
 * memory too (statuses are read for every listed pin) and written on every change, so a restart
 * resumes; `start` also backfills every DAG pinned here that a remote has no record of (a remote
 * just added) and deletes remote pins of DAGs unpinned while the cafe was down.
 */
import { Key } from 'interface-datastore'
import { CID } from 'multiformats/cid'
import PQueue from 'p-queue'
import { raceSignal } from 'race-signal'
import { BadRequestError } from '../errors.ts'
import { parseStoredJson } from '../util/stored.ts'
import { createRemotePinningClient, RemotePinningError } from './remote-client.ts'
import type { Fetch, RemotePinningClient } from './remote-client.ts'
import type { PinState, PinStatus } from './pin-status.ts'
import type { AbortOptions, Clock, ComponentLogger } from '../types.ts'
import type { Logger } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'

export type { Fetch } from './remote-client.ts'

/** One remote Pinning Service API endpoint. */
export interface RemotePinningService {
  /** shown in `info.replicas`, keys the state; `[A-Za-z0-9._-]{1,64}`, unique */
  name: string
  /** base URL without /pins, http or https (`https://cluster.example/pinning`) */
  endpoint: string
  /** the bearer token; never logged nor shown */
  accessToken: string
}

export interface ReplicationInit {
  remotes?: RemotePinningService[]
  /** also replicate the owner's library (the cafe's own holds); default false */
  library?: boolean
  /** requests to one remote at once; default 4 */
  concurrency?: number
  /** time limit of one request to a remote; default 30 s */
  requestTimeoutMs?: number
  /** first delay before checking again or retrying; default 1 s */
  minDelayMs?: number
  /** the backoff's ceiling; default 10 minutes */
  maxDelayMs?: number
}

export interface ReplicationComponents {
  datastore: Datastore
  logger: ComponentLogger
  clock?: Clock
  /** default globalThis.fetch */
  fetch?: Fetch
  /** this cafe's multiaddrs, each ending in /p2p/<peer id>: the remote pin's `origins` */
  origins(): string[]
  /** dial a remote's delegate (the spec asks the client to connect to them); best effort */
  connect?(multiaddr: string, options?: AbortOptions): Promise<void>
  /** whether the DAG is pinned here by an owner whose pins are replicated */
  wanted(cid: CID, options?: AbortOptions): Promise<boolean>
  /** every such DAG, each once (the backfill) */
  wantedRoots(options?: AbortOptions): AsyncIterable<CID>
}

/** A remote's copy of a pinned DAG, as `PinStatus.info.replicas` shows it. */
export interface ReplicaStatus {
  /** the remote's name */
  name: string
  /** the remote's status of the pin; `failed` also when it could not be sent (see `error`) */
  status: PinState
  /** the request id on the remote */
  requestid?: string
  /** when this status was last set or checked, ISO 8601 */
  updated: string
  /** why the last attempt failed */
  error?: string
  /** when it is checked or tried again, ISO 8601; absent once pinned */
  retryAt?: string
}

/** `removing`: unpinned here, the remote pin is being deleted. */
export type ReplicaState = PinState | 'removing'
export const REPLICA_STATES: readonly ReplicaState[] = ['queued', 'pinning', 'pinned', 'failed', 'removing']

export interface Replication {
  /** the DAG was pinned or unpinned here: bring every remote in line, in the background */
  changed (cid: CID): void
  /** the DAG's replicas, in the order of the configured remotes */
  replicasOf (cid: CID): ReplicaStatus[]
  /** how many (remote, DAG) records are in each state, over every remote (or one) */
  status (remote?: string): Record<ReplicaState, number>
  /** the configured remotes' names, in order */
  remoteNames (): string[]
  /** load the state, resume it and backfill (in the background) */
  start (options?: AbortOptions): Promise<void>
  stop (): Promise<void>
}

/** What is stored per (remote, DAG). */
interface ReplicaRecord {
  cid: string
  status: ReplicaState
  requestid?: string
  /** ms since the epoch */
  updated: number
  error?: string
  retryAt?: number
  /** checks or attempts since the last progress: the backoff's exponent */
  attempts: number
  /** a POST /pins went out whose answer may not have been written: look for it before sending again */
  sending?: boolean
}

interface Remote {
  config: RemotePinningService
  client: RemotePinningClient
  queue: PQueue
  records: Map<string, ReplicaRecord>
  /** consecutive requests without an answer */
  failures: number
  /** no request before this time (ms) */
  downUntil: number
  /** why the last request without an answer failed */
  lastError?: string
}

const PREFIX = '/cafe/replicas'
const NAME = /^[A-Za-z0-9._-]{1,64}$/
/** the remote pin's meta key naming the cafe that sent it (its peer id) */
export const REPLICA_OF = 'replica_of'
const DEFAULTS = { concurrency: 4, requestTimeoutMs: 30_000, minDelayMs: 1000, maxDelayMs: 10 * 60_000 }
/** steps waiting in a remote's queue before the backfill waits for it to drain */
const BACKFILL_QUEUE = 256
/** delegates dialled per new remote pin */
const MAX_DELEGATES = 4

class DefaultReplication implements Replication {
  private readonly components: ReplicationComponents
  private readonly log: Logger
  private readonly clock: Clock
  private readonly remotes: Remote[]
  private readonly settings: typeof DEFAULTS
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>()
  /** (remote, DAG) steps waiting in a queue: a second trigger adds nothing */
  private readonly queued = new Set<string>()
  /** steps of one (remote, DAG) run one at a time */
  private readonly running = new Map<string, Promise<void>>()
  private controller = new AbortController()
  private started = false

  constructor (components: ReplicationComponents, init: ReplicationInit) {
    this.components = components
    this.log = components.logger.forComponent('cafe:pinning:replication')
    this.clock = components.clock ?? Date.now
    this.settings = {
      concurrency: init.concurrency ?? DEFAULTS.concurrency,
      requestTimeoutMs: init.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
      minDelayMs: init.minDelayMs ?? DEFAULTS.minDelayMs,
      maxDelayMs: init.maxDelayMs ?? DEFAULTS.maxDelayMs
    }
    this.remotes = checkRemotes(init.remotes ?? [], 'replication.remotes').map(config => ({
      config,
      client: createRemotePinningClient({ endpoint: config.endpoint, accessToken: config.accessToken, fetch: components.fetch }),
      queue: new PQueue({ concurrency: this.settings.concurrency }),
      records: new Map(),
      failures: 0,
      downUntil: 0
    }))
  }

  changed (cid: CID): void {
    if (!this.started) return
    const key = cid.toV1().toString()
    for (const remote of this.remotes) this.schedule(remote, key, 0)
  }

  replicasOf (cid: CID): ReplicaStatus[] {
    const key = cid.toV1().toString()
    const replicas: ReplicaStatus[] = []
    for (const remote of this.remotes) {
      const record = remote.records.get(key)
      if (record == null || record.status === 'removing') continue
      const replica: ReplicaStatus = { name: remote.config.name, status: record.status, updated: new Date(record.updated).toISOString() }
      if (record.requestid != null) replica.requestid = record.requestid
      if (record.error != null) replica.error = record.error
      if (record.retryAt != null) replica.retryAt = new Date(record.retryAt).toISOString()
      replicas.push(replica)
    }
    return replicas
  }

  remoteNames (): string[] {
    return this.remotes.map(remote => remote.config.name)
  }

  status (name?: string): Record<ReplicaState, number> {
    const counts = Object.fromEntries(REPLICA_STATES.map(state => [state, 0])) as Record<ReplicaState, number>
    for (const remote of this.remotes) {
      if (name != null && remote.config.name !== name) continue
      for (const record of remote.records.values()) counts[record.status]++
    }
    return counts
  }

  async start (options?: AbortOptions): Promise<void> {
    if (this.remotes.length === 0 || this.started) return
    this.controller = new AbortController()
    for (const remote of this.remotes) {
      remote.records.clear()
      for await (const { value } of this.components.datastore.query({ prefix: `${PREFIX}/${remote.config.name}/` }, options)) {
        const record = parseStoredJson<ReplicaRecord>(value, 'a replica record')
        remote.records.set(record.cid, record)
      }
    }
    this.started = true
    // the backfill reads every pin's references: not on the start's path
    void this.reconcile(this.controller.signal).catch(err => {
      if (!this.controller.signal.aborted) this.log.error('backfill failed - %e', err)
    })
  }

  async stop (): Promise<void> {
    this.started = false
    this.controller.abort()
    for (const timer of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
    for (const remote of this.remotes) remote.queue.clear()
    this.queued.clear()
    await Promise.allSettled(this.running.values())
    await Promise.all(this.remotes.map(async remote => remote.queue.onIdle()))
  }

  /** Every DAG pinned here that a remote lacks is sent; unfinished records resume; stale ones are deleted. */
  private async reconcile (signal: AbortSignal): Promise<void> {
    const wanted = new Set<string>()
    let added = 0
    for await (const cid of this.components.wantedRoots({ signal })) {
      const key = cid.toV1().toString()
      wanted.add(key)
      for (const remote of this.remotes) {
        if (remote.records.has(key)) continue
        added++
        // a cafe with many pins fills the queue as it drains, not all at once
        await raceSignal(remote.queue.onSizeLessThan(BACKFILL_QUEUE), signal)
        this.schedule(remote, key, 0)
      }
    }
    for (const remote of this.remotes) {
      for (const record of remote.records.values()) {
        // pinned records of DAGs still pinned here stay as they are; every other one gets a step
        if (record.status === 'pinned' && wanted.has(record.cid)) continue
        this.schedule(remote, record.cid, Math.max(0, (record.retryAt ?? 0) - this.clock()))
      }
    }
    if (added > 0) this.log('backfill: %d replicas to send', added)
  }

  private schedule (remote: Remote, cid: string, delayMs: number): void {
    if (!this.started) return
    const key = `${remote.config.name}/${cid}`
    const timer = this.timers.get(key)
    if (timer != null) clearTimeout(timer)
    this.timers.delete(key)
    if (delayMs <= 0) this.enqueue(remote, cid, key)
    else this.timers.set(key, setTimeout(() => { this.timers.delete(key); this.enqueue(remote, cid, key) }, delayMs))
  }

  private enqueue (remote: Remote, cid: string, key: string): void {
    if (this.queued.has(key)) return
    this.queued.add(key)
    const { signal } = this.controller
    remote.queue.add(async () => {
      this.queued.delete(key)
      // one step at a time per (remote, DAG): a trigger during a step runs after it
      const previous = this.running.get(key) ?? Promise.resolve()
      const step = previous.then(async () => this.step(remote, cid, signal))
      this.running.set(key, step)
      try { await step } finally { if (this.running.get(key) === step) this.running.delete(key) }
    }, { signal }).catch(err => {
      if (!signal.aborted) this.log.error('replica step %s failed - %e', key, err)
    })
  }


  /** One request (or none) bringing the remote's copy of the DAG one step towards what is wanted. */
  private async step (remote: Remote, cid: string, stopSignal: AbortSignal): Promise<void> {
    if (stopSignal.aborted) return
    const wanted = await this.components.wanted(CID.parse(cid), { signal: stopSignal })
    let record = remote.records.get(cid)
    if (!wanted && record == null) return
    if (!wanted && record?.requestid == null) {
      await this.forget(remote, cid)
      return
    }
    const now = this.clock()
    record ??= { cid, status: 'queued', updated: now, attempts: 0 }
    if (!wanted && record.status !== 'removing') {
      record.status = 'removing'
      record.attempts = 0
      record.updated = now
    }
    if (remote.downUntil > now) {
      // the remote did not answer lately: wait for its backoff, not each record's
      record.retryAt = remote.downUntil + this.jitter(this.settings.minDelayMs)
      record.error = `waiting for the remote: ${remote.lastError ?? 'it did not answer'}`
      await this.save(remote, record)
      this.schedule(remote, cid, record.retryAt - now)
      return
    }
    const signal = AbortSignal.any([stopSignal, AbortSignal.timeout(this.settings.requestTimeoutMs)])
    try {
      if (record.status === 'removing') {
        await remote.client.remove(record.requestid as string, { signal })
        remote.failures = 0
        remote.downUntil = 0
        this.log('%s: unpinned %s', remote.config.name, cid)
        await this.forget(remote, cid)
        return
      }
      const answer = await this.request(remote, record, signal)
      remote.failures = 0
      remote.downUntil = 0
      const progressed = answer.status !== record.status || answer.requestid !== record.requestid
      if (answer.requestid !== record.requestid) this.connectDelegates(answer.delegates, stopSignal)
      record.requestid = answer.requestid
      record.status = answer.status
      record.attempts = progressed ? 0 : record.attempts + 1
      delete record.error
      if (answer.status === 'failed') record.error = failureOf(answer)
      if (answer.status !== 'pinned') {
        record.retryAt = this.clock() + this.backoff(record.attempts)
      } else {
        delete record.retryAt
        this.log('%s: pinned %s', remote.config.name, cid)
      }
    } catch (err) {
      if (stopSignal.aborted) return
      const error = err instanceof RemotePinningError ? err : new RemotePinningError((err as Error).message, 'REMOTE_FAILED')
      record.attempts++
      record.error = error.message
      // never sent: nothing on the remote to report, so the replica has failed (for now)
      if (record.requestid == null) record.status = 'failed'
      let delay = this.backoff(record.attempts)
      if (error.code === 'REMOTE_UNREACHABLE' || error.code === 'REMOTE_TIMEOUT' || (error.status ?? 0) >= 500) {
        remote.failures++
        remote.lastError = error.message
        remote.downUntil = this.clock() + this.backoff(remote.failures)
        delay = Math.max(delay, remote.downUntil - this.clock())
      }
      record.retryAt = this.clock() + delay
      this.log('%s: %s of %s failed, again in %d ms - %s', remote.config.name, record.status === 'removing' ? 'unpin' : 'pin', cid, delay, error.message)
    }
    record.updated = this.clock()
    await this.save(remote, record)
    if (record.retryAt != null) this.schedule(remote, cid, record.retryAt - this.clock())
  }

  /** Send the pin, follow it, or send it again when the remote lost or failed it. */
  private async request (remote: Remote, record: ReplicaRecord, signal: AbortSignal): Promise<PinStatus> {
    const origins = this.components.origins().slice(0, 20)
    const sender = senderOf(origins)
    const send = async (): Promise<PinStatus> => {
      // noted first: a process killed before the answer is written finds the request instead of sending twice
      record.sending = true
      await this.save(remote, record)
      const answer = await remote.client.add({ cid: record.cid, origins, meta: { [REPLICA_OF]: sender } }, { signal })
      delete record.sending
      return answer
    }
    if (record.requestid == null) {
      if (record.sending === true) {
        const sent = (await remote.client.find(record.cid, { signal })).find(status => status.pin?.meta?.[REPLICA_OF] === sender)
        delete record.sending
        if (sent != null) return sent
      }
      return send()
    }
    if (record.status === 'failed') {
      // the remote gave up (it could not fetch from us, say): drop its request and send a new one
      await remote.client.remove(record.requestid, { signal })
      delete record.requestid
      return send()
    }
    try {
      return await remote.client.get(record.requestid, { signal })
    } catch (err) {
      if ((err as RemotePinningError).code !== 'REMOTE_NOT_FOUND') throw err
      return send()
    }
  }

  private connectDelegates (delegates: string[], signal: AbortSignal): void {
    const connect = this.components.connect
    if (connect == null) return
    for (const delegate of delegates.slice(0, MAX_DELEGATES)) {
      const options = { signal: AbortSignal.any([signal, AbortSignal.timeout(this.settings.requestTimeoutMs)]) }
      void connect(delegate, options).catch(err => { this.log('dialling delegate %s failed - %s', delegate, (err as Error).message) })
    }
  }

  /** minDelayMs · 2^(attempts-1), at most maxDelayMs, times 0.5–1 (jitter) */
  private backoff (attempts: number): number {
    const { minDelayMs, maxDelayMs } = this.settings
    const delay = Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(Math.max(0, attempts - 1), 30))
    return Math.round(delay / 2 + this.jitter(delay / 2))
  }

  private jitter (ms: number): number {
    return Math.random() * ms
  }

  private key (remote: Remote, cid: string): Key {
    return new Key(`${PREFIX}/${remote.config.name}/${cid}`)
  }

  private async save (remote: Remote, record: ReplicaRecord): Promise<void> {
    remote.records.set(record.cid, record)
    await this.components.datastore.put(this.key(remote, record.cid), new TextEncoder().encode(JSON.stringify(record)))
  }

  private async forget (remote: Remote, cid: string): Promise<void> {
    remote.records.delete(cid)
    await this.components.datastore.delete(this.key(remote, cid))
  }
}

/** The peer id at the end of the cafe's multiaddrs (they all end in /p2p/<id>). */
function senderOf (origins: string[]): string {
  return origins[0]?.split('/p2p/').pop() ?? 'unknown'
}

/** The remote's reason for a failed pin, from `info` (a cafe's `reason` and `status_details`). */
function failureOf (status: PinStatus): string {
  const info = status.info as Record<string, unknown>
  const parts = [info.reason, info.status_details].filter(part => typeof part === 'string')
  return parts.length > 0 ? `the remote failed the pin: ${parts.join(': ')}`.slice(0, 300) : 'the remote failed the pin'
}

/** Checks the configured remotes (config file, createCafe init): names, http(s) endpoints, tokens. */
export function checkRemotes (value: unknown, name: string): RemotePinningService[] {
  if (!Array.isArray(value)) throw new BadRequestError(`${name} must be a list of { name, endpoint, accessToken }`, 'CONFIG_INVALID')
  const seen = new Set<string>()
  return value.map((entry: unknown, i) => {
    const remote = entry as Partial<Record<keyof RemotePinningService, unknown>> | null
    const at = `${name}[${i}]`
    if (remote == null || typeof remote !== 'object' || Object.keys(remote).some(key => !['name', 'endpoint', 'accessToken'].includes(key))) {
      throw new BadRequestError(`${at} must be { name, endpoint, accessToken }`, 'CONFIG_INVALID')
    }
    if (typeof remote.name !== 'string' || !NAME.test(remote.name)) throw new BadRequestError(`${at}.name must match ${NAME.source}`, 'CONFIG_INVALID')
    if (seen.has(remote.name)) throw new BadRequestError(`${at}.name ${remote.name} is used twice`, 'CONFIG_INVALID')
    seen.add(remote.name)
    let url: URL | undefined
    try { url = typeof remote.endpoint === 'string' ? new URL(remote.endpoint) : undefined } catch {}
    if (url == null || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new BadRequestError(`${at}.endpoint must be an http or https URL`, 'CONFIG_INVALID')
    // the token itself is never part of a message
    if (typeof remote.accessToken !== 'string' || remote.accessToken.trim() === '') throw new BadRequestError(`${at}.accessToken must be a non-empty string`, 'CONFIG_INVALID')
    return { name: remote.name, endpoint: remote.endpoint as string, accessToken: remote.accessToken }
  })
}

const INIT_KEYS: Record<keyof ReplicationInit, 'remotes' | 'boolean' | 'integer'> = {
  remotes: 'remotes', library: 'boolean', concurrency: 'integer', requestTimeoutMs: 'integer', minDelayMs: 'integer', maxDelayMs: 'integer'
}

/** Checks the `replication` setting as a whole. */
export function checkReplicationInit (value: unknown, name: string): ReplicationInit {
  if (value == null || typeof value !== 'object' || Array.isArray(value)) throw new BadRequestError(`${name} must be an object`, 'CONFIG_INVALID')
  const out: Record<string, unknown> = {}
  for (const [key, raw] of Object.entries(value)) {
    const kind = INIT_KEYS[key as keyof ReplicationInit]
    if (kind == null) throw new BadRequestError(`${name}.${key} is not a setting (known: ${Object.keys(INIT_KEYS).join(', ')})`, 'CONFIG_INVALID')
    if (kind === 'remotes') out[key] = checkRemotes(raw, `${name}.${key}`)
    else if (kind === 'boolean' && typeof raw !== 'boolean') throw new BadRequestError(`${name}.${key} must be true or false`, 'CONFIG_INVALID')
    else if (kind === 'integer' && (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 1)) throw new BadRequestError(`${name}.${key} must be an integer of at least 1`, 'CONFIG_INVALID')
    else out[key] = raw
  }
  return out as ReplicationInit
}

export function createReplication (components: ReplicationComponents, init: ReplicationInit = {}): Replication {
  return new DefaultReplication(components, init)
}
