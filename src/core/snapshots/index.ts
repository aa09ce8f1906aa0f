/**
 * Encrypted thread snapshots, per account and thread id: what a new device needs to rebuild
 * a thread. The cafe keeps opaque ciphertext (sealed by the client, see ./seal.ts), its size,
 * the time and the thread's HEAD CID; it never holds a key.
 *
 * Datastore: /cafe/snapshot-info/<account>/<threadId> (JSON) and
 * /cafe/snapshot-data/<account>/<threadId> (the ciphertext).
 */
import { Key } from 'interface-datastore'
import { BadRequestError, ConflictError, NotFoundError, PayloadTooLargeError, UnauthorizedError } from '../errors.ts'
import { parseStoredJson } from '../util/stored.ts'
import { createStorageLedger } from '../storage/ledger.ts'
import { parseCid } from '../util/cid.ts'
import { getOrUndefined } from '../util/datastore.ts'
import { KeyedLock } from '../util/keyed-lock.ts'
import type { StorageLedger } from '../storage/ledger.ts'
import type { AbortOptions, AccountDataOwner, AccountDirectory, AccountId, Clock, ComponentLogger } from '../types.ts'
import type { Logger } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'

export interface SnapshotsComponents {
  datastore: Datastore
  accounts: AccountDirectory
  logger: ComponentLogger
  clock?: Clock
  /** the books of every service's storage, for the quota; absent: a ledger of this service's snapshots alone */
  ledger?: StorageLedger
  /** when given, a snapshot's head must be pinned by the same account (pinning.hasPin) */
  headPinned?(account: AccountId, cid: string, options?: AbortOptions): Promise<boolean>
}

/** Largest snapshot ciphertext the snapshots service accepts (its routes carry it as base64). */
export const MAX_SNAPSHOT_BYTES = 1024 * 1024

export interface SnapshotsInit {
  /** largest ciphertext accepted */
  maxSnapshotBytes: number
}

export interface SnapshotInfo {
  threadId: string
  /** ciphertext bytes */
  size: number
  /** ms since the epoch */
  updatedAt: number
  /** the thread's latest HEAD CID, as the client declared it */
  head?: string
}

export interface Snapshot extends SnapshotInfo {
  ciphertext: Uint8Array
}

export interface PutSnapshotOptions extends AbortOptions {
  head?: string
}

export interface SnapshotUsage extends Record<string, number> {
  snapshots: number
  snapshotBytes: number
}

export interface Snapshots extends AccountDataOwner {
  /** store or replace the account's snapshot of a thread */
  put (account: AccountId, threadId: string, ciphertext: Uint8Array, options?: PutSnapshotOptions): Promise<SnapshotInfo>
  /** NotFoundError for unknown threads and for other accounts' threads */
  get (account: AccountId, threadId: string, options?: AbortOptions): Promise<Snapshot>
  /** the account's snapshots, by thread id */
  list (account: AccountId, options?: AbortOptions): Promise<SnapshotInfo[]>
  delete (account: AccountId, threadId: string, options?: AbortOptions): Promise<void>
  usageOf (account: AccountId, options?: AbortOptions): Promise<SnapshotUsage>
  removeAccount (account: AccountId, options?: AbortOptions): Promise<void>
}

/** Thread ids are multibase strings in practice; anything key-safe up to 128 characters is accepted. */
const THREAD_ID = /^[A-Za-z0-9_-]{1,128}$/
const INFO = '/cafe/snapshot-info'
const DATA = '/cafe/snapshot-data'

export function validateThreadId (threadId: unknown): string {
  if (typeof threadId !== 'string' || !THREAD_ID.test(threadId)) {
    throw new BadRequestError('a thread id is 1 to 128 characters of A-Z, a-z, 0-9, _ and -', 'THREAD_ID_INVALID')
  }
  return threadId
}

function accountPart (account: AccountId): string {
  if (account.length === 0 || account.includes('/')) throw new BadRequestError('malformed account id')
  return account
}

class DefaultSnapshots implements Snapshots {
  private readonly components: SnapshotsComponents
  private readonly log: Logger
  private readonly clock: Clock
  private readonly maxSnapshotBytes: number
  private readonly ledger: StorageLedger
  /** one write of an account's snapshots at a time (a delete must not interleave with a put's two writes) */
  private readonly lock = new KeyedLock()

  constructor (components: SnapshotsComponents, init: SnapshotsInit) {
    this.components = components
    this.log = components.logger.forComponent('cafe:snapshots')
    this.clock = components.clock ?? Date.now
    this.maxSnapshotBytes = init.maxSnapshotBytes
    this.ledger = components.ledger ?? createStorageLedger(components)
    this.ledger.addSource('snapshots', async (account, options) => (await this.usageOf(account, options)).snapshotBytes)
  }

  private infoKey (account: AccountId, threadId: string): Key {
    return new Key(`${INFO}/${accountPart(account)}/${validateThreadId(threadId)}`)
  }

  private dataKey (account: AccountId, threadId: string): Key {
    return new Key(`${DATA}/${accountPart(account)}/${validateThreadId(threadId)}`)
  }

  async put (account: AccountId, threadId: string, ciphertext: Uint8Array, options: PutSnapshotOptions = {}): Promise<SnapshotInfo> {
    await this.assertRegistered(account, options)
    validateThreadId(threadId)
    if (!(ciphertext instanceof Uint8Array) || ciphertext.byteLength === 0) throw new BadRequestError('the snapshot is empty')
    if (ciphertext.byteLength > this.maxSnapshotBytes) {
      throw new PayloadTooLargeError(`a snapshot may be at most ${this.maxSnapshotBytes} bytes`, 'SNAPSHOT_TOO_LARGE')
    }
    const info: SnapshotInfo = { threadId, size: ciphertext.byteLength, updatedAt: this.clock() }
    if (options.head != null) info.head = this.validateHead(options.head)
    if (info.head != null && this.components.headPinned != null && !await this.components.headPinned(account, info.head, options)) {
      throw new ConflictError('pin the thread\'s HEAD on this cafe before storing its snapshot', 'HEAD_NOT_PINNED')
    }
    // a replacement holds only its growth: reserve nothing up-front, then check the net change when committing
    const reservation = await this.ledger.reserve(account, 0, options)
    return reservation.commit(async (fit) => this.lock.run(account, async () => {
      const previous = await this.findInfo(account, threadId, options)
      fit(info.size - (previous?.size ?? 0))
      await this.components.datastore.put(this.dataKey(account, threadId), ciphertext, options)
      await this.components.datastore.put(this.infoKey(account, threadId), new TextEncoder().encode(JSON.stringify(info)), options)
      this.log('stored snapshot of thread %s for %s (%d bytes)', threadId, account, info.size)
      return info
    }, options), options)
  }

  async get (account: AccountId, threadId: string, options?: AbortOptions): Promise<Snapshot> {
    await this.assertRegistered(account, options)
    const info = await this.findInfo(account, threadId, options)
    if (info == null) throw new NotFoundError('no snapshot of this thread')
    try {
      return { ...info, ciphertext: await this.components.datastore.get(this.dataKey(account, threadId), options) }
    } catch (err) {
      if ((err as Error).name === 'NotFoundError') throw new NotFoundError('no snapshot of this thread')
      throw err
    }
  }

  async list (account: AccountId, options?: AbortOptions): Promise<SnapshotInfo[]> {
    await this.assertRegistered(account, options)
    const infos = await this.infos(account, options)
    return infos.sort((a, b) => a.threadId < b.threadId ? -1 : a.threadId > b.threadId ? 1 : 0)
  }

  async delete (account: AccountId, threadId: string, options?: AbortOptions): Promise<void> {
    await this.assertRegistered(account, options)
    await this.lock.run(account, async () => {
      if (await this.findInfo(account, threadId, options) == null) throw new NotFoundError('no snapshot of this thread')
      await this.components.datastore.delete(this.infoKey(account, threadId), options)
      await this.components.datastore.delete(this.dataKey(account, threadId), options)
    }, options)
  }

  async usageOf (account: AccountId, options?: AbortOptions): Promise<SnapshotUsage> {
    const infos = await this.infos(account, options)
    return { snapshots: infos.length, snapshotBytes: infos.reduce((sum, info) => sum + info.size, 0) }
  }

  async removeAccount (account: AccountId, options?: AbortOptions): Promise<void> {
    await this.lock.run(account, async () => {
      for (const prefix of [INFO, DATA]) {
        const keys: Key[] = []
        for await (const key of this.components.datastore.queryKeys({ prefix: `${prefix}/${accountPart(account)}/` }, options)) keys.push(key)
        for (const key of keys) await this.components.datastore.delete(key, options)
      }
    }, options)
    this.log('removed the snapshots of %s', account)
  }

  private validateHead (head: string): string {
    return parseCid(head).toString()
  }

  private async infos (account: AccountId, options?: AbortOptions): Promise<SnapshotInfo[]> {
    const infos: SnapshotInfo[] = []
    for await (const { value } of this.components.datastore.query({ prefix: `${INFO}/${accountPart(account)}/` }, options)) {
      infos.push(parseStoredJson<SnapshotInfo>(value, 'a snapshot record'))
    }
    return infos
  }

  private async findInfo (account: AccountId, threadId: string, options?: AbortOptions): Promise<SnapshotInfo | undefined> {
    const bytes = await getOrUndefined(this.components.datastore, this.infoKey(account, threadId), options)
    return bytes == null ? undefined : parseStoredJson<SnapshotInfo>(bytes, 'a snapshot record')
  }

  private async assertRegistered (account: AccountId, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    if (!await this.components.accounts.isRegistered(account, options)) throw new UnauthorizedError('not a registered account')
  }
}

export function createSnapshots (components: SnapshotsComponents, init: SnapshotsInit): Snapshots {
  return new DefaultSnapshots(components, init)
}

export { deriveSnapshotKey, openSnapshot, sealSnapshot } from './seal.ts'
export type { SnapshotContent } from './seal.ts'
