/**
 * The directory: registered accounts publish their signed contact; anyone searches.
 * Contacts live at /cafe/directory/<peerId> (dag-cbor) and in an in-memory index,
 * loaded by start(), that answers searches without touching the datastore.
 */
import { Key } from 'interface-datastore'
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../errors.ts'
import { createKeyedMutex } from '../util/keyed-lock.ts'
import { rateLimiterFor } from '../util/rate-limiter.ts'
import { decodeContact, encodeContact, verifyContact } from './contact.ts'
import { ContactIndex, normalize } from './search-index.ts'
import type { Contact } from './contact.ts'
import type { KeyedMutex } from '../util/keyed-lock.ts'
import type { RateLimit, RateLimiter } from '../util/rate-limiter.ts'
import type { AbortOptions, AccountDataOwner, AccountDirectory, AccountId, BaseComponents } from '../types.ts'
import type { Logger } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'

export interface DirectoryComponents extends BaseComponents {
  accounts: AccountDirectory
}

export interface DirectoryInit {
  /** largest page search() returns (default 50) */
  maxResults?: number
  /** searches per remote peer (default 120 a minute, burst 30) */
  searchRate?: RateLimit
}

export interface SearchQuery {
  /** matched, case-insensitively, as a prefix or substring of username and display name */
  q?: string
  /** exact peer id; give this or q */
  peerId?: string
  /** default 20, capped at maxResults */
  limit?: number
  /** the cursor of the previous page */
  cursor?: string
}

export interface SearchOptions extends AbortOptions {
  /** the caller's peer id (libp2p door) or another stable caller key (HTTP door); rate limited per key */
  remotePeer?: string
}

export interface SearchPage {
  /** signed contacts: prefix matches first (username, then display name), then substring matches */
  contacts: Contact[]
  /** pass as `cursor` for the next page; absent on the last page */
  cursor?: string
}

export interface DirectoryUsage extends Record<string, number> {
  directoryContacts: number
  directoryBytes: number
}

export interface Directory extends AccountDataOwner {
  /** load the index from the datastore; other methods call it if needed */
  start (options?: AbortOptions): Promise<void>
  /** publish the account's own contact; it replaces one with a lower seq */
  publish (account: AccountId, contact: Contact, options?: AbortOptions): Promise<void>
  search (query: SearchQuery, options?: SearchOptions): Promise<SearchPage>
  get (peerId: string, options?: AbortOptions): Promise<Contact>
  removeAccount (account: AccountId, options?: AbortOptions): Promise<void>
  usageOf (account: AccountId, options?: AbortOptions): Promise<DirectoryUsage>
}

const ROOT = '/cafe/directory'
const MAX_QUERY_LENGTH = 64
const DEFAULT_LIMIT = 20
/** names hold none, and the search index uses two as separators */
const CONTROL_CHARACTERS = /\p{Cc}/u
const contactKey = (peerId: string): Key => new Key(`${ROOT}/${peerId}`)

class DefaultDirectory implements Directory {
  private readonly datastore: Datastore
  private readonly accounts: AccountDirectory
  private readonly log: Logger
  private readonly maxResults: number
  private readonly limiter: RateLimiter
  private readonly lock: KeyedMutex = createKeyedMutex()
  private readonly index = new ContactIndex()
  private loading?: Promise<void>

  constructor (components: DirectoryComponents, init: DirectoryInit) {
    this.datastore = components.datastore
    this.accounts = components.accounts
    this.log = components.logger.forComponent('cafe:directory')
    this.maxResults = init.maxResults ?? 50
    this.limiter = rateLimiterFor(init.searchRate ?? { perMinute: 120, burst: 30 }, components.clock)
  }

  async start (options: AbortOptions = {}): Promise<void> {
    this.loading ??= this.load(options).catch(err => {
      this.loading = undefined
      throw err
    })
    await this.loading
  }

  async publish (account: AccountId, contact: Contact, options: AbortOptions = {}): Promise<void> {
    await this.start(options)
    if (contact?.peerId !== account) throw new ForbiddenError('an account can publish only its own contact', 'CONTACT_FOREIGN')
    await verifyContact(contact, options)
    if (!await this.accounts.isRegistered(account, options)) throw new ForbiddenError('only accounts registered here can publish', 'ACCOUNT_NOT_REGISTERED')
    const bytes = encodeContact(contact)

    await this.lock(account, async () => {
      const current = this.index.get(account)
      if (current != null && contact.seq <= current.contact.seq) {
        throw new ConflictError(`a contact with seq ${current.contact.seq} is already published; use a higher seq`, 'CONTACT_STALE')
      }
      await this.datastore.put(contactKey(account), bytes, options)
      this.index.put(decodeContact(bytes), bytes.byteLength)
      this.log.trace('published %s seq %d', account, contact.seq)
    }, options)
  }

  async search (query: SearchQuery, options: SearchOptions = {}): Promise<SearchPage> {
    const limit = query.limit ?? DEFAULT_LIMIT
    if (!Number.isInteger(limit) || limit < 1) throw new BadRequestError('limit must be a positive integer', 'LIMIT_INVALID')
    if ((query.q == null) === (query.peerId == null)) throw new BadRequestError('search by q or by peerId', 'QUERY_INVALID')
    if (options.remotePeer != null) this.limiter.take(options.remotePeer)
    await this.start(options)

    if (query.peerId != null) {
      const found = this.index.get(query.peerId)
      return { contacts: found == null ? [] : [found.contact] }
    }
    const q = typeof query.q === 'string' ? normalize(query.q.trim()) : ''
    if (q.length === 0 || q.length > MAX_QUERY_LENGTH || CONTROL_CHARACTERS.test(q)) {
      throw new BadRequestError(`q must be 1-${MAX_QUERY_LENGTH} printable characters`, 'QUERY_INVALID')
    }
    return this.index.search(q, Math.min(limit, this.maxResults), query.cursor)
  }

  async get (peerId: string, options: AbortOptions = {}): Promise<Contact> {
    await this.start(options)
    const found = this.index.get(peerId)
    if (found == null) throw new NotFoundError('no contact published for this peer', 'CONTACT_NOT_FOUND')
    return found.contact
  }

  async removeAccount (account: AccountId, options: AbortOptions = {}): Promise<void> {
    await this.start(options)
    await this.lock(account, async () => {
      await this.datastore.delete(contactKey(account), options)
      this.index.delete(account)
    }, options)
  }

  async usageOf (account: AccountId, options: AbortOptions = {}): Promise<DirectoryUsage> {
    await this.start(options)
    const found = this.index.get(account)
    return { directoryContacts: found == null ? 0 : 1, directoryBytes: found?.bytes ?? 0 }
  }

  private async load (options: AbortOptions): Promise<void> {
    const items: Array<{ contact: Contact, bytes: number }> = []
    for await (const { key, value } of this.datastore.query({ prefix: `${ROOT}/` }, options)) {
      try {
        items.push({ contact: decodeContact(value), bytes: value.byteLength })
      } catch (err) {
        this.log.error('skipping unreadable contact %s - %e', key, err)
      }
    }
    this.index.load(items)
    this.log('loaded %d contacts', items.length)
  }
}

export function createDirectory (components: DirectoryComponents, init: DirectoryInit = {}): Directory {
  return new DefaultDirectory(components, init)
}
