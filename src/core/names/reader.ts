/**
 * The names store's layout, and reading a hosted name from the datastore alone: the
 * Service Worker's gateway resolves `/ipns/` with it (no `ipns` package, no crypto: the
 * record was checked when it was published, and its facts are kept beside it).
 *
 * - /cafe/names/records/<name>            the latest record, who published it, its facts (JSON)
 * - /cafe/names/accounts/<account>/<name> the account's names with their size (JSON)
 * - /cafe/names/keys/<account>/<name>     keys the account registered (public key protobuf)
 */
import { Key } from 'interface-datastore'
import { NotFoundError } from '../errors.ts'
import { fromBase64 } from '../util/canonical.ts'
import { getOrUndefined } from '../util/datastore.ts'
import { parseStoredJson } from '../util/stored.ts'
import { parseIpnsName } from './name.ts'
import type { AbortOptions, AccountId, Clock } from '../types.ts'
import type { Datastore } from 'interface-datastore'

export const NAMES_ROOT = '/cafe/names'
export const recordKey = (name: string): Key => new Key(`${NAMES_ROOT}/records/${name}`)
export const accountKey = (account: AccountId, name: string): Key => new Key(`${NAMES_ROOT}/accounts/${account}/${name}`)
export const keyKey = (account: AccountId, name: string): Key => new Key(`${NAMES_ROOT}/keys/${account}/${name}`)

/** A hosted name as the routes show it. */
export interface NameInfo {
  /** CIDv1 base36 (`k51…`) */
  name: string
  value: string
  /** decimal string: a uint64 does not fit a JSON number */
  sequence: string
  /** end of the record's validity, ms since the epoch */
  validUntil: number
  ttlSeconds: number
  /** when the cafe stored this record, ms since the epoch */
  publishedAt: number
  /** bytes of the record */
  size: number
}

/** A hosted record: its facts and its bytes (what the Delegated Routing API hands out). */
export interface HostedName extends NameInfo {
  record: Uint8Array
}

/** What /cafe/names/records/<name> holds. */
export interface StoredName extends Omit<NameInfo, 'name' | 'size'> {
  account: AccountId
  /** the record, base64 */
  record: string
}

export async function readStored (datastore: Pick<Datastore, 'get'>, name: string, options?: AbortOptions): Promise<StoredName | undefined> {
  const bytes = await getOrUndefined(datastore, recordKey(name), options)
  return bytes == null ? undefined : parseStoredJson<StoredName>(bytes, 'a name record')
}

export function hostedName (name: string, { account: _account, record, ...facts }: StoredName): HostedName {
  const bytes = fromBase64(record, 'STORAGE_CORRUPT', 'a stored record')
  return { name, ...facts, size: bytes.byteLength, record: bytes }
}

export interface NameReaderComponents {
  datastore: Pick<Datastore, 'get'>
  clock?: Clock
}

/** Resolves hosted names. */
export interface NameReader {
  /** the latest record of a name, unless expired. @throws NotFoundError `NAME_NOT_FOUND`, BadRequestError `IPNS_NAME_INVALID` */
  resolve (name: string, options?: AbortOptions): Promise<HostedName>
}

export function createNameReader (components: NameReaderComponents): NameReader {
  const clock = components.clock ?? Date.now
  return {
    async resolve (value, options) {
      const { name } = parseIpnsName(value)
      const stored = await readStored(components.datastore, name, options)
      if (stored == null) throw new NotFoundError(`this cafe hosts no record for ${name}`, 'NAME_NOT_FOUND')
      if (stored.validUntil <= clock()) throw new NotFoundError(`the record this cafe holds for ${name} has expired`, 'NAME_NOT_FOUND')
      return hostedName(name, stored)
    }
  }
}
