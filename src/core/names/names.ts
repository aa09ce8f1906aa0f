/**
 * Names: registered accounts publish signed IPNS records for their own key (the account's
 * peer id) or for keys they registered, and the cafe keeps the latest per name so anyone
 * resolves it while the publisher is offline.
 *
 * The datastore layout is in reader.ts.
 *
 * Record bytes count against the account's storage quota through the ledger.
 */
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { BadRequestError, ConflictError, ForbiddenError, PayloadTooLargeError } from '../errors.ts'
import { toBase64 } from '../util/canonical.ts'
import { KeyedLock } from '../util/keyed-lock.ts'
import { periodic, type Periodic } from '../util/periodic.ts'
import { parseStoredJson } from '../util/stored.ts'
import { nameOfPeer, parseIpnsName } from './name.ts'
import { NAMES_ROOT as ROOT, accountKey, createNameReader, hostedName, keyKey, readStored, recordKey } from './reader.ts'
import { MAX_RECORD_BYTES, validateRecord } from './record.ts'
import type { HostedName, NameInfo, NameReader, StoredName } from './reader.ts'
import type { StorageLedger } from '../storage/ledger.ts'
import type { AbortOptions, AccountDataOwner, AccountDirectory, AccountId, BaseComponents, Clock } from '../types.ts'
import type { Logger } from '@libp2p/interface'
import type { Datastore, Key } from 'interface-datastore'

/** What a key's holder signs to let an account publish for it. */
export function keyProofMessage (account: AccountId): Uint8Array {
  return new TextEncoder().encode(`browser-cafe names: this key's records may be published by ${account}`)
}

export type { HostedName, NameInfo, NameReader } from './reader.ts'
export { createNameReader } from './reader.ts'

interface StoredIndexEntry {
  size: number
}

export interface NamesUsage extends Record<string, number> {
  names: number
  nameBytes: number
}

export interface NamesInit {
  /** keys an account may register besides its own (default 16) */
  maxKeysPerAccount?: number
  /** how often start() sweeps records past their validity; 0 turns the timer off (default 10 minutes) */
  sweepIntervalMs?: number
}

export interface NamesComponents extends BaseComponents {
  accounts: AccountDirectory
  ledger: StorageLedger
}

export interface Names extends NameReader, AccountDataOwner {
  /** stores `record` for `name` if the account may publish for its key and its sequence is higher */
  publish (account: AccountId, name: string, record: Uint8Array, options?: AbortOptions): Promise<NameInfo>
  /** lets the account publish for another key, given that key's signature over keyProofMessage(account) */
  addKey (account: AccountId, publicKey: Uint8Array, signature: Uint8Array, options?: AbortOptions): Promise<{ name: string }>
  /** the account's hosted names, sorted by name */
  list (account: AccountId, options?: AbortOptions): Promise<NameInfo[]>
  usageOf (account: AccountId, options?: AbortOptions): Promise<NamesUsage>
  removeAccount (account: AccountId, options?: AbortOptions): Promise<void>
  /**
   * Frees the quota of records past their validity: each becomes a tombstone with its
   * facts and no bytes, so the name still refuses a replayed lower sequence. Returns how many.
   */
  sweep (options?: AbortOptions): Promise<number>
  /** run sweep() on a timer */
  start (): void
  stop (): void
}

function withoutRecord ({ record: _record, ...info }: HostedName): NameInfo {
  return info
}

class DefaultNames implements Names {
  private readonly datastore: Datastore
  private readonly accounts: AccountDirectory
  private readonly ledger: StorageLedger
  private readonly clock: Clock
  private readonly log: Logger
  private readonly reader: NameReader
  private readonly maxKeys: number
  /** one write per name at a time (publish, removal) */
  private readonly lock = new KeyedLock()
  private readonly sweeper: Periodic

  constructor (components: NamesComponents, init: NamesInit) {
    this.datastore = components.datastore
    this.accounts = components.accounts
    this.ledger = components.ledger
    this.clock = components.clock ?? Date.now
    this.log = components.logger.forComponent('cafe:names')
    this.reader = createNameReader(components)
    this.maxKeys = init.maxKeysPerAccount ?? 16
    this.sweeper = periodic(async () => this.sweep(), init.sweepIntervalMs ?? 10 * 60 * 1000, this.log, 'sweep')
    this.ledger.addSource('names', async (account, options) => (await this.usageOf(account, options)).nameBytes)
  }

  async resolve (name: string, options?: AbortOptions): Promise<HostedName> {
    return this.reader.resolve(name, options)
  }

  async publish (account: AccountId, value: string, record: Uint8Array, options: AbortOptions = {}): Promise<NameInfo> {
    const name = parseIpnsName(value)
    if (!(record instanceof Uint8Array)) throw new BadRequestError('the record must be bytes', 'RECORD_INVALID')
    // before any lookup: an oversized record costs nothing more
    if (record.byteLength > MAX_RECORD_BYTES) throw new PayloadTooLargeError(`an IPNS record may be at most ${MAX_RECORD_BYTES} bytes`, 'RECORD_TOO_LARGE')
    if (!await this.accounts.isRegistered(account, options)) throw new ForbiddenError('only accounts registered here can publish names', 'ACCOUNT_NOT_REGISTERED')
    if (!await this.mayPublish(account, name.name, options)) {
      throw new ForbiddenError(`${name.name} is neither this account's key nor a key it registered`, 'NAME_FOREIGN')
    }
    const facts = await validateRecord(name, record, this.clock(), options)

    // a replacement holds only its growth: the net change is checked when committing
    const reservation = await this.ledger.reserve(account, 0, options)
    return reservation.commit(async fit => this.lock.run(name.name, async () => {
      const previous = await readStored(this.datastore, name.name, options)
      if (previous != null && facts.sequence <= BigInt(previous.sequence)) {
        throw new ConflictError(`the record held has sequence ${previous.sequence}; publish a higher one`, 'RECORD_STALE')
      }
      const previousSize = previous == null ? 0 : hostedName(name.name, previous).size
      fit(record.byteLength - (previous?.account === account ? previousSize : 0))
      const stored: StoredName = {
        account,
        record: toBase64(record),
        value: facts.value,
        sequence: facts.sequence.toString(),
        validUntil: facts.validUntil,
        ttlSeconds: facts.ttlSeconds,
        publishedAt: this.clock()
      }
      // one batch: the record and the index the quota counts never disagree
      const batch = this.datastore.batch()
      batch.put(recordKey(name.name), encode(stored))
      batch.put(accountKey(account, name.name), encode({ size: record.byteLength } satisfies StoredIndexEntry))
      // another account that holds the same key published before: the name moves to this one
      if (previous != null && previous.account !== account) batch.delete(accountKey(previous.account, name.name))
      await batch.commit(options)
      this.log('%s published %s sequence %s', account, name.name, facts.sequence)
      return withoutRecord(hostedName(name.name, stored))
    }, options), options)
  }

  async addKey (account: AccountId, publicKey: Uint8Array, signature: Uint8Array, options: AbortOptions = {}): Promise<{ name: string }> {
    let key
    try {
      key = publicKeyFromProtobuf(publicKey)
    } catch {
      throw new BadRequestError('publicKey is not a libp2p public key (protobuf)', 'KEY_INVALID')
    }
    if (!await key.verify(keyProofMessage(account), signature, options)) {
      throw new BadRequestError('the signature does not prove the key is held by this account\'s client', 'SIGNATURE_INVALID')
    }
    if (!await this.accounts.isRegistered(account, options)) throw new ForbiddenError('only accounts registered here can publish names', 'ACCOUNT_NOT_REGISTERED')
    const name = nameOfPeer(peerIdFromPublicKey(key))
    return this.lock.run(`keys/${account}`, async () => {
      if (!await this.datastore.has(keyKey(account, name), options)) {
        let count = 0
        for await (const _ of this.datastore.queryKeys({ prefix: `${ROOT}/keys/${account}/` }, options)) count++
        if (count >= this.maxKeys) throw new ForbiddenError(`an account may register at most ${this.maxKeys} keys`, 'NAME_KEYS_FULL')
        await this.datastore.put(keyKey(account, name), publicKey, options)
      }
      return { name }
    }, options)
  }

  async list (account: AccountId, options: AbortOptions = {}): Promise<NameInfo[]> {
    const names: NameInfo[] = []
    for (const name of await this.namesOf(account, options)) {
      const stored = await readStored(this.datastore, name, options)
      if (stored?.account === account) names.push(withoutRecord(hostedName(name, stored)))
    }
    return names.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  }

  async usageOf (account: AccountId, options: AbortOptions = {}): Promise<NamesUsage> {
    let names = 0
    let nameBytes = 0
    for await (const { value } of this.datastore.query({ prefix: `${ROOT}/accounts/${account}/` }, options)) {
      names++
      nameBytes += parseStoredJson<StoredIndexEntry>(value, 'a name index entry').size
    }
    return { names, nameBytes }
  }

  async removeAccount (account: AccountId, options: AbortOptions = {}): Promise<void> {
    for (const name of await this.namesOf(account, options)) {
      await this.lock.run(name, async () => {
        const stored = await readStored(this.datastore, name, options)
        const batch = this.datastore.batch()
        if (stored?.account === account) batch.delete(recordKey(name))
        batch.delete(accountKey(account, name))
        await batch.commit(options)
      }, options)
    }
    const keys: Key[] = []
    for await (const key of this.datastore.queryKeys({ prefix: `${ROOT}/keys/${account}/` }, options)) keys.push(key)
    for (const key of keys) await this.datastore.delete(key, options)
    this.log('removed the names of %s', account)
  }

  async sweep (options: AbortOptions = {}): Promise<number> {
    const due: string[] = []
    for await (const { key, value } of this.datastore.query({ prefix: `${ROOT}/records/` }, options)) {
      const stored = parseStoredJson<StoredName>(value, 'a name record')
      if (stored.validUntil <= this.clock() && stored.record !== '') due.push(key.baseNamespace())
    }
    let swept = 0
    for (const name of due) {
      await this.lock.run(name, async () => {
        const stored = await readStored(this.datastore, name, options)
        // republished since, or already swept
        if (stored == null || stored.validUntil > this.clock() || stored.record === '') return
        const batch = this.datastore.batch()
        batch.put(recordKey(name), encode({ ...stored, record: '' } satisfies StoredName))
        batch.put(accountKey(stored.account, name), encode({ size: 0 } satisfies StoredIndexEntry))
        await batch.commit(options)
        swept++
      }, options)
    }
    if (swept > 0) this.log('swept %d expired records', swept)
    return swept
  }

  start (): void {
    this.sweeper.start()
  }

  stop (): void {
    this.sweeper.stop()
  }

  private async mayPublish (account: AccountId, name: string, options: AbortOptions): Promise<boolean> {
    try {
      if (parseIpnsName(account).name === name) return true
    } catch {}
    return this.datastore.has(keyKey(account, name), options)
  }

  private async namesOf (account: AccountId, options: AbortOptions): Promise<string[]> {
    const names: string[] = []
    for await (const key of this.datastore.queryKeys({ prefix: `${ROOT}/accounts/${account}/` }, options)) names.push(key.baseNamespace())
    return names
  }
}

function encode (value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value))
}

export function createNames (components: NamesComponents, init: NamesInit = {}): Names {
  return new DefaultNames(components, init)
}
