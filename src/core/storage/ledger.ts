/**
 * The storage ledger: the one place that says whether an account may store more bytes.
 *
 * Each service that stores bytes for accounts (pins, snapshots) registers a source that
 * reads what its records say is committed. Ingest in flight holds a reservation: taken at
 * admission, grown as bytes arrive, then committed (the service writes its records) or
 * released (failure, abort). Reserving and committing run under one lock per account,
 * against `committed + every reservation + the new bytes <= quota`, so requests that fit
 * together all succeed, and usage never passes the quota however they interleave.
 *
 * Reservations live in memory only: a crash drops them, and nothing of theirs was committed.
 */
import { QuotaExceededError } from '../errors.ts'
import { KeyedLock } from '../util/keyed-lock.ts'
import type { AbortOptions, AccountDataOwner, AccountDirectory, AccountId, ComponentLogger } from '../types.ts'
import type { Logger } from '@libp2p/interface'

/** A service's committed bytes for an account, as its own records say. */
export type UsageSource = (account: AccountId, options?: AbortOptions) => Promise<number>

export interface StorageLedgerComponents {
  accounts: Pick<AccountDirectory, 'quotaOf'>
  logger: ComponentLogger
}

export interface ReserveOptions extends AbortOptions {
  /**
   * The size is not known yet (a pin whose DAG is still to be fetched, an upload without a
   * declared length): refuse unless some storage is left.
   */
  sizeUnknown?: boolean
}

/** What `usageOf` adds to an account's usage. */
export interface LedgerUsage extends Record<string, number> {
  /** bytes committed across every service: what the quota's `storageBytes` limits */
  storageBytes: number
}

/** Checks and claims the net bytes a commit adds: throws QUOTA_EXCEEDED when they do not fit. */
export type Fit = (netBytes: number) => void

export interface Reservation {
  readonly account: AccountId
  /** bytes held now */
  readonly bytes: number
  /**
   * `bytes` more have arrived (an upload's next block): the reservation grows past what it
   * holds only if the account has room, else QUOTA_EXCEEDED. Synchronous, so it can run per block.
   */
  grow (bytes: number): void
  /**
   * Under the account's lock: `settle` calls `fit(net)` with the bytes its write adds to the
   * account (0 for a DAG the account already pins, the growth for a replaced snapshot), then
   * writes the records that make them committed. The reservation ends either way.
   */
  commit <T> (settle: (fit: Fit) => Promise<T>, options?: AbortOptions): Promise<T>
  /** Give the bytes back (idempotent; after commit, a no-op). */
  release (): void
}

export interface StorageLedger extends AccountDataOwner {
  /** Registers a service's committed bytes; returns a function that removes it. */
  addSource (name: string, source: UsageSource): () => void
  /** Holds `bytes` for an account, or QUOTA_EXCEEDED when committed + reserved + bytes would pass its quota. */
  reserve (account: AccountId, bytes: number, options?: ReserveOptions): Promise<Reservation>
  /** bytes held by ingest in flight */
  reservedFor (account: AccountId): number
  usageOf (account: AccountId, options?: AbortOptions): Promise<LedgerUsage>
  removeAccount (account: AccountId, options?: AbortOptions): Promise<void>
}

/** One account's reservations, and what the last look under its lock saw. */
interface Book {
  reserved: number
  holders: number
  /** committed bytes at the last locked read, plus commits since: never below the truth */
  committed: number
  quota: number
}

export function quotaExceeded (bytes: number, quota: number): QuotaExceededError {
  return new QuotaExceededError(`this would store ${bytes} bytes, over the account's quota of ${quota}`)
}

class LedgerReservation implements Reservation {
  readonly account: AccountId
  bytes: number
  /** bytes that arrived so far (grow) */
  private arrived = 0
  private ended = false
  private readonly ledger: DefaultStorageLedger
  private readonly book: Book

  constructor (ledger: DefaultStorageLedger, account: AccountId, book: Book, bytes: number) {
    this.ledger = ledger
    this.account = account
    this.book = book
    this.bytes = bytes
  }

  grow (bytes: number): void {
    if (this.ended) throw new Error('the reservation has ended')
    this.arrived += bytes
    this.claim(this.arrived)
  }

  /** Hold at least `bytes`, if the account has room for the difference. */
  claim (bytes: number): void {
    const extra = bytes - this.bytes
    if (extra <= 0) return
    const { committed, reserved, quota } = this.book
    if (committed + reserved + extra > quota) throw quotaExceeded(committed + reserved + extra, quota)
    this.bytes += extra
    this.book.reserved += extra
  }

  async commit <T> (settle: (fit: Fit) => Promise<T>, options?: AbortOptions): Promise<T> {
    if (this.ended) throw new Error('the reservation has ended')
    try {
      return await this.ledger.locked(this.account, async (committed, quota) => {
        let net: number | undefined
        const fit: Fit = (bytes) => {
          const others = this.book.reserved - this.bytes
          // a commit that adds nothing always fits, even over a quota lowered meanwhile
          if (bytes > 0 && committed + others + bytes > quota) throw quotaExceeded(committed + others + bytes, quota)
          // while the write runs, the bytes stay reserved: a concurrent grow sees them
          this.claim(bytes)
          net = bytes
        }
        const result = await settle(fit)
        if (net == null) throw new Error('commit settled without fit()')
        this.book.committed = committed + net
        this.release()
        return result
      }, options)
    } finally {
      this.release()
    }
  }

  release (): void {
    if (this.ended) return
    this.ended = true
    this.book.reserved -= this.bytes
    this.bytes = 0
    this.ledger.closed(this.account, this.book)
  }
}

class DefaultStorageLedger implements StorageLedger {
  private readonly components: StorageLedgerComponents
  private readonly log: Logger
  private readonly sources = new Map<string, UsageSource>()
  private readonly books = new Map<AccountId, Book>()
  private readonly lock = new KeyedLock()

  constructor (components: StorageLedgerComponents) {
    this.components = components
    this.log = components.logger.forComponent('cafe:storage:ledger')
  }

  addSource (name: string, source: UsageSource): () => void {
    if (this.sources.has(name)) throw new Error(`a usage source named ${name} is already registered`)
    this.sources.set(name, source)
    return () => { this.sources.delete(name) }
  }

  async reserve (account: AccountId, bytes: number, options: ReserveOptions = {}): Promise<Reservation> {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError('a reservation is a non-negative integer of bytes')
    return this.locked(account, async (committed, quota) => {
      const book = this.bookOf(account)
      const total = committed + book.reserved + bytes
      if (total > quota) throw quotaExceeded(total, quota)
      if (options.sizeUnknown === true && total >= quota) throw new QuotaExceededError('the account has no storage left')
      book.reserved += bytes
      book.holders++
      return new LedgerReservation(this, account, book, bytes)
    }, options)
  }

  reservedFor (account: AccountId): number {
    return this.books.get(account)?.reserved ?? 0
  }

  async usageOf (account: AccountId, options?: AbortOptions): Promise<LedgerUsage> {
    return { storageBytes: await this.committed(account, options) }
  }

  async removeAccount (): Promise<void> {
    // the services delete what they store; reservations end with their requests
  }

  /** Runs `fn` under the account's lock with its committed bytes and quota read afresh. */
  async locked <T> (account: AccountId, fn: (committed: number, quota: number) => Promise<T>, options?: AbortOptions): Promise<T> {
    const book = this.bookOf(account)
    book.holders++
    try {
      return await this.lock.run(account, async () => {
        const [committed, { storageBytes: quota }] = await Promise.all([
          this.committed(account, options),
          this.components.accounts.quotaOf(account, options)
        ])
        book.committed = committed
        book.quota = quota
        return fn(committed, quota)
      }, options)
    } finally {
      this.closed(account, book)
    }
  }

  /** A holder of the book is done with it: forget books nobody holds. */
  closed (account: AccountId, book: Book): void {
    book.holders--
    if (book.holders <= 0 && this.books.get(account) === book) {
      if (book.reserved !== 0) this.log.error('account %s closed with %d bytes reserved', account, book.reserved)
      this.books.delete(account)
    }
  }

  private bookOf (account: AccountId): Book {
    let book = this.books.get(account)
    if (book == null) {
      book = { reserved: 0, holders: 0, committed: 0, quota: 0 }
      this.books.set(account, book)
    }
    return book
  }

  private async committed (account: AccountId, options?: AbortOptions): Promise<number> {
    const parts = await Promise.all([...this.sources.values()].map(async source => source(account, options)))
    return parts.reduce((sum, bytes) => sum + bytes, 0)
  }
}

export function createStorageLedger (components: StorageLedgerComponents): StorageLedger {
  return new DefaultStorageLedger(components)
}
