/**
 * Pin request records in the datastore, one key per account and request id:
 * /cafe/pins/<account>/<requestid>.
 */
import { Key } from 'interface-datastore'
import { base32 } from 'multiformats/bases/base32'
import { randomBytes } from '@noble/hashes/utils.js'
import { BadRequestError, NotFoundError } from '../errors.ts'
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

  constructor (datastore: Datastore) {
    this.datastore = datastore
  }

  private key (account: AccountId, requestid: string): Key {
    return new Key(accountPrefix(account) + requestid)
  }

  async put (record: PinRecord, options?: AbortOptions): Promise<void> {
    await this.datastore.put(this.key(record.account, record.requestid), new TextEncoder().encode(JSON.stringify(record)), options)
  }

  /** The account's record, or NotFoundError, also for ids that belong to someone else. */
  async get (account: AccountId, requestid: string, options?: AbortOptions): Promise<PinRecord> {
    const record = REQUEST_ID.test(requestid) ? await this.find(account, requestid, options) : undefined
    if (record == null) throw new NotFoundError('no such pin request')
    return record
  }

  async find (account: AccountId, requestid: string, options?: AbortOptions): Promise<PinRecord | undefined> {
    try {
      return decode(await this.datastore.get(this.key(account, requestid), options))
    } catch (err) {
      if ((err as Error).name === 'NotFoundError') return undefined
      throw err
    }
  }

  async delete (account: AccountId, requestid: string, options?: AbortOptions): Promise<void> {
    await this.datastore.delete(this.key(account, requestid), options)
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
  return JSON.parse(new TextDecoder().decode(bytes))
}
