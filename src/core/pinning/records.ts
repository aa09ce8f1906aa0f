/**
 * Pin request records in the datastore, one key per account and request id:
 * /cafe/pins/<account>/<requestid>; and, for each account read once, their summaries in
 * memory, kept current by every put and delete here (this is the records' only writer).
 */
import { Key } from 'interface-datastore'
import { base32 } from 'multiformats/bases/base32'
import { randomBytes } from '@noble/hashes/utils.js'
import { BadRequestError, NotFoundError } from '../errors.ts'
import { getOrUndefined } from '../util/datastore.ts'
import { parseStoredJson } from '../util/stored.ts'
import { AccountPins } from './account-pins.ts'
import type { PinRecord } from './pin-status.ts'
import type { AbortOptions, AccountId } from '../types.ts'
import type { Datastore } from 'interface-datastore'

const PREFIX = '/cafe/pins'
const REQUEST_ID = /^[a-z2-7]{32}$/

/** 20 random bytes, base32 without the multibase prefix. */
export function newRequestId (): string {
  return base32.baseEncode(randomBytes(20))
}

function accountPrefix (account: AccountId): string {
  if (account.length === 0 || account.includes('/')) throw new BadRequestError('malformed account id')
  return `${PREFIX}/${account}/`
}

export class PinRecords {
  private readonly datastore: Datastore
  private readonly accounts = new Map<AccountId, AccountPins>()
  /** per account, bumped around every write */
  private readonly changes = new Map<AccountId, number>()

  constructor (datastore: Datastore) {
    this.datastore = datastore
  }

  private key (account: AccountId, requestid: string): Key {
    return new Key(accountPrefix(account) + requestid)
  }

  async put (record: PinRecord, options?: AbortOptions): Promise<void> {
    this.changed(record.account)
    await this.datastore.put(this.key(record.account, record.requestid), new TextEncoder().encode(JSON.stringify(record)), options)
    this.changed(record.account)
    this.accounts.get(record.account)?.set(record)
  }

  /** The account's record, or NotFoundError, also for ids that belong to someone else. */
  async get (account: AccountId, requestid: string, options?: AbortOptions): Promise<PinRecord> {
    const record = REQUEST_ID.test(requestid) ? await this.find(account, requestid, options) : undefined
    if (record == null) throw new NotFoundError('no such pin request')
    return record
  }

  async find (account: AccountId, requestid: string, options?: AbortOptions): Promise<PinRecord | undefined> {
    const bytes = await getOrUndefined(this.datastore, this.key(account, requestid), options)
    return bytes == null ? undefined : decode(bytes)
  }

  async delete (account: AccountId, requestid: string, options?: AbortOptions): Promise<void> {
    this.changed(account)
    await this.datastore.delete(this.key(account, requestid), options)
    this.changed(account)
    this.accounts.get(account)?.delete(requestid)
  }

  /** The account's requests in memory, read from the datastore the first time. */
  async summaries (account: AccountId, options?: AbortOptions): Promise<AccountPins> {
    const cached = this.accounts.get(account)
    if (cached != null) return cached
    const version = this.changes.get(account)
    const loaded = await AccountPins.from(this.list(account, options))
    if (version === this.changes.get(account)) this.accounts.set(account, loaded)
    return loaded
  }

  /** Drop the account's summaries from memory (it has no records left). */
  forget (account: AccountId): void {
    this.accounts.delete(account)
    this.changed(account)
  }

  /** Before and after each write: a load that overlapped it, seeing it or not, is not kept. */
  private changed (account: AccountId): void {
    this.changes.set(account, (this.changes.get(account) ?? 0) + 1)
  }

  /** Every record of one account, or of everyone. */
  async * list (account?: AccountId, options?: AbortOptions): AsyncGenerator<PinRecord> {
    const prefix = account == null ? `${PREFIX}/` : accountPrefix(account)
    for await (const { value } of this.datastore.query({ prefix }, options)) {
      yield decode(value)
    }
  }
}

function decode (bytes: Uint8Array): PinRecord {
  return parseStoredJson(bytes, 'a pin record')
}
