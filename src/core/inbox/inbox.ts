/**
 * The inbox: store-and-forward of envelopes for registered accounts that are offline.
 *
 * Datastore layout, all scoped by account so one account's keys never meet another's:
 *   /cafe/inbox/m/<account>/<receivedAt>-<id>   the message { envelope, receivedAt, expiresAt }
 *   /cafe/inbox/i/<account>/<id>                its locator { receivedAt, expiresAt, size, acked }
 *   /cafe/inbox/x/<expiresAt>/<account>/<id>    the expiry index sweep() walks
 * Times are zero-padded so keys sort by time. A locator outlives its acknowledged message
 * until expiry, so a replayed envelope is recognised as a duplicate instead of re-stored,
 * and envelopes older than the TTL are refused, which closes the replay window.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { Key } from 'interface-datastore'
import { BadRequestError, NotFoundError, PayloadTooLargeError, QuotaExceededError } from '../errors.ts'
import { digestId, encodeCbor } from '../util/canonical.ts'
import { decodeEnvelope, senderKeyOf, verifyEnvelopeCanonical } from './envelope.ts'
import { createKeyedMutex } from '../util/keyed-lock.ts'
import { decodeStoredCbor } from '../util/stored.ts'
import { periodic, type Periodic } from '../util/periodic.ts'
import { rateLimiterFor } from '../util/rate-limiter.ts'
import type { KeyedMutex } from '../util/keyed-lock.ts'
import type { RateLimit, RateLimiter } from '../util/rate-limiter.ts'
import type { AbortOptions, AccountDataOwner, AccountDirectory, AccountId, BaseComponents, Clock } from '../types.ts'
import type { Logger } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'

export interface InboxComponents extends BaseComponents {
  accounts: AccountDirectory
}

export interface InboxInit {
  /** largest envelope accepted, in bytes (default 64 KiB) */
  maxMessageBytes?: number
  /** how long a message waits before it is swept (default 30 days) */
  ttlMs?: number
  /** deliveries per sender peer id and per remote peer (default 30 a minute, burst 10) */
  perSenderRate?: RateLimit
  /** how far ahead of the cafe's clock an envelope's sentAt may be (default 1 day) */
  maxClockSkewMs?: number
  /** largest page list() returns (default 100) */
  maxListLimit?: number
  /** how often start() runs sweep(); 0 turns the timer off (default 10 minutes) */
  sweepIntervalMs?: number
}

export interface DeliverOptions extends AbortOptions {
  /** the connection's peer id (libp2p door) or another stable caller key (HTTP door) */
  remotePeer?: string
}

export interface DeliveryReceipt {
  /** server id: the SHA-256 of the canonical envelope bytes, base32 */
  id: string
  receivedAt: number
  expiresAt: number
  /** true when this envelope was already delivered (it was not stored again) */
  duplicate: boolean
}

export interface InboxMessageInfo {
  id: string
  from: string
  sentAt: number
  receivedAt: number
  expiresAt: number
  /** envelope bytes */
  size: number
}

export interface InboxMessage extends InboxMessageInfo {
  /** the envelope as delivered (dag-cbor); decodeEnvelope + openMessage read it */
  envelope: Uint8Array
}

export interface ListOptions extends AbortOptions {
  /** the cursor of the previous page */
  after?: string
  limit?: number
}

export interface InboxPage {
  messages: InboxMessageInfo[]
  /** pass as `after` for the next page; absent on the last page */
  cursor?: string
}

export interface DeliveredEvent {
  account: AccountId
  message: InboxMessage
}

export type DeliveredListener = (event: DeliveredEvent) => void

export interface InboxUsage extends Record<string, number> {
  inboxMessages: number
  inboxBytes: number
}

export interface Inbox extends AccountDataOwner {
  /** run sweep() on a timer */
  start (): void
  stop (): void
  /** anyone may deliver an envelope for a registered account */
  deliver (envelope: Uint8Array, options?: DeliverOptions): Promise<DeliveryReceipt>
  /** waiting messages, oldest first */
  list (account: AccountId, options?: ListOptions): Promise<InboxPage>
  fetch (account: AccountId, id: string, options?: AbortOptions): Promise<InboxMessage>
  /** delete messages; if any id is not a waiting message of `account`, nothing is deleted */
  ack (account: AccountId, ids: string[], options?: AbortOptions): Promise<void>
  /** remove expired messages; returns how many */
  sweep (options?: AbortOptions): Promise<number>
  /** called after each new (not duplicate) message is stored; returns an unsubscribe function */
  onDelivered (listener: DeliveredListener): () => void
  removeAccount (account: AccountId, options?: AbortOptions): Promise<void>
  usageOf (account: AccountId, options?: AbortOptions): Promise<InboxUsage>
}

const DAY = 24 * 60 * 60 * 1000
const ROOT = '/cafe/inbox'
const MAX_ACK_IDS = 1000
const ID_PATTERN = /^[a-z2-7]{52}$/
const CURSOR_PATTERN = /^\d{15}-[a-z2-7]{52}$/

interface Locator {
  receivedAt: number
  expiresAt: number
  size: number
  acked: boolean
}

interface StoredMessage {
  envelope: Uint8Array
  receivedAt: number
  expiresAt: number
}

const pad = (time: number): string => String(time).padStart(15, '0')
const messageName = (receivedAt: number, id: string): string => `${pad(receivedAt)}-${id}`
const messageKey = (account: string, receivedAt: number, id: string): Key => new Key(`${ROOT}/m/${account}/${messageName(receivedAt, id)}`)
const locatorKey = (account: string, id: string): Key => new Key(`${ROOT}/i/${account}/${id}`)
const expiryKey = (expiresAt: number, account: string, id: string): Key => new Key(`${ROOT}/x/${pad(expiresAt)}/${account}/${id}`)
const lastSegment = (key: Key): string => {
  const text = key.toString()
  return text.slice(text.lastIndexOf('/') + 1)
}

class DefaultInbox implements Inbox {
  private readonly datastore: Datastore
  private readonly accounts: AccountDirectory
  private readonly clock: Clock
  private readonly log: Logger
  private readonly maxMessageBytes: number
  private readonly ttlMs: number
  private readonly maxClockSkewMs: number
  private readonly maxListLimit: number
  private readonly limiter: RateLimiter
  private readonly lock: KeyedMutex = createKeyedMutex()
  private readonly listeners = new Set<DeliveredListener>()
  /** per-account usage, computed from the datastore on first need, then kept up to date */
  private readonly usage = new Map<AccountId, InboxUsage>()
  /** per-account message names (`<receivedAt>-<id>`) in order, read on an account's first list, then kept up to date */
  private readonly order = new Map<AccountId, string[]>()
  private readonly sweeper: Periodic
  /** parsing a peer id back and forth was a tenth of a delivery: recipients and senders recur, their check and key are kept */
  private readonly isCanonical = remembering(isCanonicalPeerId)
  private readonly senderKey = remembering(senderKeyOf)

  constructor (components: InboxComponents, init: InboxInit) {
    this.datastore = components.datastore
    this.accounts = components.accounts
    this.clock = components.clock ?? Date.now
    this.log = components.logger.forComponent('cafe:inbox')
    this.maxMessageBytes = init.maxMessageBytes ?? 64 * 1024
    this.ttlMs = init.ttlMs ?? 30 * DAY
    this.maxClockSkewMs = init.maxClockSkewMs ?? DAY
    this.maxListLimit = init.maxListLimit ?? 100
    this.sweeper = periodic(async () => this.sweep(), init.sweepIntervalMs ?? 10 * 60 * 1000, this.log, 'sweep')
    this.limiter = rateLimiterFor(init.perSenderRate ?? { perMinute: 30, burst: 10 }, this.clock)
  }

  start (): void {
    this.sweeper.start()
  }

  stop (): void {
    this.sweeper.stop()
  }

  async deliver (bytes: Uint8Array, options: DeliverOptions = {}): Promise<DeliveryReceipt> {
    if (bytes.byteLength > this.maxMessageBytes) {
      throw new PayloadTooLargeError(`messages are limited to ${this.maxMessageBytes} bytes`)
    }
    const envelope = decodeEnvelope(bytes)
    if (!this.isCanonical(envelope.to)) {
      throw new BadRequestError('the recipient must be a peer id in its usual form', 'ENVELOPE_INVALID')
    }
    const canonical = await verifyEnvelopeCanonical(envelope, { ...options, senderKey: this.senderKey })
    const account = envelope.to
    if (!await this.accounts.isRegistered(account, options)) {
      throw new NotFoundError('the recipient is not registered at this cafe', 'RECIPIENT_NOT_FOUND')
    }
    const now = this.clock()
    if (envelope.sentAt < now - this.ttlMs) throw new BadRequestError('the envelope is older than the inbox keeps messages', 'ENVELOPE_EXPIRED')
    if (envelope.sentAt > now + this.maxClockSkewMs) throw new BadRequestError('the envelope is dated in the future', 'ENVELOPE_INVALID')

    const id = await digestId(canonical)

    const { receipt, message } = await this.lock(account, async () => {
      const locatorAt = locatorKey(account, id)
      const existing = await this.readLocator(locatorAt, options)
      if (existing != null) {
        return { receipt: { id, receivedAt: existing.receivedAt, expiresAt: existing.expiresAt, duplicate: true } }
      }
      this.limiter.takeAll(options.remotePeer == null ? [`from:${envelope.from}`] : [`from:${envelope.from}`, `peer:${options.remotePeer}`])

      const usage = await this.loadUsage(account, options)
      const quota = await this.accounts.quotaOf(account, options)
      if (usage.inboxMessages + 1 > quota.inboxMessages) {
        throw new QuotaExceededError('the recipient\'s inbox is full (messages)')
      }
      if (usage.inboxBytes + canonical.byteLength > quota.inboxBytes) {
        throw new QuotaExceededError('the recipient\'s inbox is full (bytes)')
      }

      const receivedAt = this.clock()
      const expiresAt = Math.max(receivedAt, envelope.sentAt) + this.ttlMs
      const locator: Locator = { receivedAt, expiresAt, size: canonical.byteLength, acked: false }
      const stored: StoredMessage = { envelope: canonical, receivedAt, expiresAt }
      const batch = this.datastore.batch()
      batch.put(messageKey(account, receivedAt, id), encodeCbor(stored))
      batch.put(locatorAt, encodeCbor(locator))
      batch.put(expiryKey(expiresAt, account, id), new Uint8Array(0))
      await batch.commit(options)
      usage.inboxMessages += 1
      usage.inboxBytes += canonical.byteLength
      this.ordered(account, names => { insertSorted(names, messageName(receivedAt, id)) })
      this.log.trace('stored %s for %s (%d bytes)', id, account, canonical.byteLength)
      const message: InboxMessage = { id, from: envelope.from, sentAt: envelope.sentAt, receivedAt, expiresAt, size: canonical.byteLength, envelope: canonical }
      return { receipt: { id, receivedAt, expiresAt, duplicate: false }, message }
    }, options)

    if (message != null) this.emit({ account, message })
    return receipt
  }

  async list (account: AccountId, options: ListOptions = {}): Promise<InboxPage> {
    const limit = options.limit ?? 50
    if (!Number.isInteger(limit) || limit < 1) throw new BadRequestError('limit must be a positive integer', 'LIMIT_INVALID')
    if (options.after != null && !CURSOR_PATTERN.test(options.after)) throw new BadRequestError('unknown cursor', 'CURSOR_INVALID')

    // the first list of an account reads its keys once (not every datastore sorts); a page
    // then starts at its cursor in the kept order, so it costs its own size. The order may
    // change while messages are read: each window is sliced from it without a pause.
    const names = await this.lock(account, async () => this.loadOrder(account, options), options)
    const pageSize = Math.min(limit, this.maxListLimit)
    const now = this.clock()
    const messages: InboxMessageInfo[] = []
    let last = options.after
    const next = (): number => last == null ? 0 : upperBound(names, last)
    while (messages.length < pageSize) {
      const start = next()
      const window = names.slice(start, start + pageSize - messages.length)
      if (window.length === 0) break
      for (const name of window) {
        last = name
        const [time, id] = name.split('-')
        const stored = await this.getMessage(account, Number(time), id, options)
        if (stored == null || stored.expiresAt <= now) continue
        const { envelope, ...info } = stored
        messages.push(info)
      }
    }
    return last != null && next() < names.length ? { messages, cursor: last } : { messages }
  }

  async fetch (account: AccountId, id: string, options: AbortOptions = {}): Promise<InboxMessage> {
    assertId(id)
    const locator = await this.getLocator(account, id, options)
    const message = locator == null || locator.acked ? undefined : await this.getMessage(account, locator.receivedAt, id, options)
    if (message == null || message.expiresAt <= this.clock()) throw new NotFoundError('no such message', 'MESSAGE_NOT_FOUND')
    return message
  }

  async ack (account: AccountId, ids: string[], options: AbortOptions = {}): Promise<void> {
    if (!Array.isArray(ids) || ids.length > MAX_ACK_IDS) throw new BadRequestError(`ack takes up to ${MAX_ACK_IDS} ids`, 'IDS_INVALID')
    const unique = [...new Set(ids)]
    unique.forEach(assertId)
    await this.lock(account, async () => {
      const found: Array<[string, Locator]> = []
      for (const id of unique) {
        const locator = await this.getLocator(account, id, options)
        if (locator == null || locator.acked) throw new NotFoundError(`no such message: ${id}`, 'MESSAGE_NOT_FOUND')
        found.push([id, locator])
      }
      const usage = await this.loadUsage(account, options)
      const batch = this.datastore.batch()
      for (const [id, locator] of found) {
        batch.delete(messageKey(account, locator.receivedAt, id))
        batch.put(locatorKey(account, id), encodeCbor({ ...locator, acked: true }))
      }
      await batch.commit(options)
      for (const [id, locator] of found) {
        usage.inboxMessages -= 1
        usage.inboxBytes -= locator.size
        this.ordered(account, names => { removeSorted(names, messageName(locator.receivedAt, id)) })
      }
    }, options)
  }

  async sweep (options: AbortOptions = {}): Promise<number> {
    const now = this.clock()
    const due: Array<{ account: string, id: string }> = []
    for await (const key of this.datastore.queryKeys({ prefix: `${ROOT}/x/` }, options)) {
      const [expiresAt, account, id] = key.toString().slice(ROOT.length + 3).split('/')
      if (Number(expiresAt) <= now) due.push({ account, id })
    }
    let removed = 0
    for (const { account, id } of due) {
      await this.lock(account, async () => {
        const locator = await this.getLocator(account, id, options)
        if (locator == null) return
        await this.deleteAll(account, id, locator, options)
        if (!locator.acked) removed++
      }, options)
    }
    if (removed > 0) this.log('swept %d expired messages', removed)
    return removed
  }

  onDelivered (listener: DeliveredListener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  async removeAccount (account: AccountId, options: AbortOptions = {}): Promise<void> {
    await this.lock(account, async () => {
      // collect first: not every datastore tolerates deletes during its own iteration
      const found: Array<[string, Locator]> = []
      for await (const { key, value } of this.datastore.query({ prefix: `${ROOT}/i/${account}/` }, options)) {
        found.push([lastSegment(key), decodeLocator(value)])
      }
      for (const [id, locator] of found) await this.deleteAll(account, id, locator, options)
      this.usage.delete(account)
      this.order.delete(account)
    }, options)
  }

  async usageOf (account: AccountId, options: AbortOptions = {}): Promise<InboxUsage> {
    return this.lock(account, async () => ({ ...await this.loadUsage(account, options) }), options)
  }

  private emit (event: DeliveredEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch (err) {
        this.log.error('delivered listener threw - %e', err)
      }
    }
  }

  /** delete a message (if not acked), its locator and its expiry entry; the caller holds the lock */
  private async deleteAll (account: string, id: string, locator: Locator, options: AbortOptions): Promise<void> {
    const batch = this.datastore.batch()
    batch.delete(messageKey(account, locator.receivedAt, id))
    batch.delete(locatorKey(account, id))
    batch.delete(expiryKey(locator.expiresAt, account, id))
    await batch.commit(options)
    const usage = this.usage.get(account)
    if (usage != null && !locator.acked) {
      usage.inboxMessages -= 1
      usage.inboxBytes -= locator.size
    }
    this.ordered(account, names => { removeSorted(names, messageName(locator.receivedAt, id)) })
  }

  /** the caller holds the account's lock */
  private async loadOrder (account: AccountId, options: AbortOptions): Promise<string[]> {
    let names = this.order.get(account)
    if (names == null) {
      names = []
      for await (const key of this.datastore.queryKeys({ prefix: `${ROOT}/m/${account}/` }, options)) names.push(lastSegment(key))
      names.sort()
      this.order.set(account, names)
    }
    return names
  }

  /** changes the account's kept order, if it is loaded; the caller holds the account's lock */
  private ordered (account: AccountId, change: (names: string[]) => void): void {
    const names = this.order.get(account)
    if (names != null) change(names)
  }

  /** the caller holds the account's lock */
  private async loadUsage (account: AccountId, options: AbortOptions): Promise<InboxUsage> {
    let usage = this.usage.get(account)
    if (usage == null) {
      const counted: InboxUsage = { inboxMessages: 0, inboxBytes: 0 }
      for await (const { value } of this.datastore.query({ prefix: `${ROOT}/i/${account}/` }, options)) {
        const locator = decodeLocator(value)
        if (locator.acked) continue
        counted.inboxMessages += 1
        counted.inboxBytes += locator.size
      }
      usage = counted
      this.usage.set(account, usage)
    }
    return usage
  }

  private async getLocator (account: string, id: string, options: AbortOptions): Promise<Locator | undefined> {
    return this.readLocator(locatorKey(account, id), options)
  }

  private async readLocator (key: Key, options: AbortOptions): Promise<Locator | undefined> {
    // every new delivery looks up an id that is not there: has() says so without the NotFoundError get() throws
    if (!await this.datastore.has(key, options)) return undefined
    const bytes = await this.getOptional(key, options)
    return bytes == null ? undefined : decodeLocator(bytes)
  }

  private async getMessage (account: string, receivedAt: number, id: string, options: AbortOptions): Promise<InboxMessage | undefined> {
    const bytes = await this.getOptional(messageKey(account, receivedAt, id), options)
    if (bytes == null) return undefined
    const stored = decodeStoredCbor<StoredMessage>(bytes, 'a stored message')
    const envelope = decodeEnvelope(stored.envelope)
    return { id, from: envelope.from, sentAt: envelope.sentAt, receivedAt: stored.receivedAt, expiresAt: stored.expiresAt, size: stored.envelope.byteLength, envelope: stored.envelope }
  }

  private async getOptional (key: Key, options: AbortOptions): Promise<Uint8Array | undefined> {
    try {
      return await this.datastore.get(key, options)
    } catch (err) {
      if ((err as Error).name === 'NotFoundError') return undefined
      throw err
    }
  }
}

/** the index of the first name after `name` */
function upperBound (names: string[], name: string): number {
  let low = 0
  let high = names.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (names[middle] <= name) low = middle + 1
    else high = middle
  }
  return low
}

function insertSorted (names: string[], name: string): void {
  const at = upperBound(names, name)
  if (names[at - 1] !== name) names.splice(at, 0, name)
}

function removeSorted (names: string[], name: string): void {
  const at = upperBound(names, name) - 1
  if (at >= 0 && names[at] === name) names.splice(at, 1)
}

function isCanonicalPeerId (text: string): boolean {
  try {
    return peerIdFromString(text).toString() === text
  } catch {
    return false
  }
}

const KEPT_PEER_IDS = 10_000

/** `parse` of a peer id, remembering up to KEPT_PEER_IDS answers (forgotten all at once when full); a throw is not kept. */
function remembering <T> (parse: (peerId: string) => T): (peerId: string) => T {
  const kept = new Map<string, T>()
  return peerId => {
    let value = kept.get(peerId)
    if (value === undefined) {
      value = parse(peerId)
      if (kept.size >= KEPT_PEER_IDS) kept.clear()
      kept.set(peerId, value)
    }
    return value
  }
}

function decodeLocator (bytes: Uint8Array): Locator {
  return decodeStoredCbor<Locator>(bytes, 'a stored locator')
}

function assertId (id: unknown): asserts id is string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) throw new BadRequestError('not a message id', 'ID_INVALID')
}

export function createInbox (components: InboxComponents, init: InboxInit = {}): Inbox {
  return new DefaultInbox(components, init)
}
