/**
 * Registration, sign-in, deregistration and quotas. An account is an Ed25519
 * key: it proves itself by signing a challenge, registers once with an access
 * token (unless the cafe is open) and later signs in from any of its devices
 * without one.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { BadRequestError, CafeError, NotFoundError, UnauthorizedError } from '../errors.ts'
import { challengeMessage } from './challenge-message.ts'
import { fromBase64url } from './crypto.ts'
import { getRecord, listRecords, putRecord, recordKey } from './records.ts'
import { KeyedLock } from '../util/keyed-lock.ts'
import type { Challenge, ChallengeService } from './challenges.ts'
import type { Caller, CallerLimiter } from '../util/rate-limiter.ts'
import type { SessionService, SessionTokens, VerifiedSession } from './sessions.ts'
import type { TokenService } from './tokens.ts'
import type { AbortOptions, AccountDataOwner, AccountDirectory, AccountId, BaseComponents, Clock, Quota } from '../types.ts'
import type { Logger, PeerId } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'

export interface SessionRequest {
  /** the account's peer id (an Ed25519 key) */
  account: AccountId
  /** a nonce from `challenge()` */
  nonce: string
  /** base64url Ed25519 signature of `challengeMessage(cafe, nonce)` */
  signature: string
  /** an access token; needed only to register */
  token?: string
}

export interface SessionResult extends SessionTokens {
  /** true when this call registered the account, false for a sign-in */
  registered: boolean
}

export interface AccountInfo {
  account: AccountId
  registeredAt: number
  lastSeen: number
  usage: Record<string, number>
  quota: Quota
}

export interface ClientInfo extends AccountInfo {
  /** the access token it registered with, if any */
  tokenId: string | null
  /** its own quota, or null when it has the default */
  quotaOverride: Quota | null
}

export interface CallerOptions extends AbortOptions {
  /** who is asking (remote peer id, client id): the key for failure limits */
  remote?: string
  /** where it asks from (see `remoteAddressOf`): failures count against the address too */
  remoteAddress?: string
}

export interface AuthenticateOptions extends AbortOptions {
  caller?: Caller
}

export interface AccountService extends AccountDirectory {
  isRegistered (account: AccountId, options?: AbortOptions): Promise<boolean>
  quotaOf (account: AccountId, options?: AbortOptions): Promise<Quota>
  /** 'open': anyone may register; 'token': registering needs an access token */
  readonly registration: 'open' | 'token'
  challenge (options?: AbortOptions): Promise<Challenge>
  /** Registers the account or signs it in; repeated failures from one remote get 429. */
  createSession (request: SessionRequest, options?: CallerOptions): Promise<SessionResult>
  refresh (refreshToken: string | undefined, options?: AbortOptions): Promise<SessionTokens>
  /**
   * Verifies an access token and notes that the account was seen. With `caller`, a
   * failure counts toward its failure limit and a caller over it gets 429 (the libp2p
   * doors pass it: a peer id costs nothing, so failures are what limit a hostile one).
   */
  authenticate (accessToken: string | undefined, options?: AuthenticateOptions): Promise<VerifiedSession>
  whoami (account: AccountId, options?: AbortOptions): Promise<AccountInfo>
  /** Ends the registration, its sessions and everything stored for it. 404 if not registered. */
  remove (account: AccountId, options?: AbortOptions): Promise<void>
  listClients (options?: AbortOptions): Promise<ClientInfo[]>
  defaultQuota (options?: AbortOptions): Promise<Quota>
  setDefaultQuota (quota: Quota, options?: AbortOptions): Promise<Quota>
  /** `null` returns the account to the default quota */
  setQuota (account: AccountId, quota: Quota | null, options?: AbortOptions): Promise<ClientInfo>
  /** Services that keep per-account data register here; returns an unregister function. */
  addDataOwner (owner: AccountDataOwner): () => void
}

export interface AccountComponents extends BaseComponents {
  tokens: TokenService
  challenges: ChallengeService
  sessions: SessionService
  /** counts failed registrations, sign-ins and (given a remote) authentications per remote and per address */
  failures: CallerLimiter
}

export interface AccountInit {
  /** let anyone register without a token; default false */
  open?: boolean
  /** used until the owner sets one */
  defaultQuota?: Quota
  /** how often lastSeen is written for an active account; default 60 s */
  lastSeenIntervalMs?: number
}

interface AccountRecord {
  account: AccountId
  registeredAt: number
  lastSeen: number
  tokenId: string | null
  quota: Quota | null
}

export const DEFAULT_QUOTA: Quota = {
  storageBytes: 1024 ** 3,
  inboxMessages: 1000,
  inboxBytes: 100 * 1024 ** 2
}

const DEFAULT_QUOTA_KEY = recordKey('cafe', 'quota', 'default')

/** Parses an account id; anything but an Ed25519 peer id is a bad request. */
export function parseAccount (account: unknown): PeerId {
  let peerId: PeerId
  try {
    peerId = peerIdFromString(String(account))
  } catch {
    throw new BadRequestError('account must be a peer id', 'ACCOUNT_INVALID')
  }
  if (peerId.type !== 'Ed25519') throw new BadRequestError('account must be an Ed25519 peer id', 'ACCOUNT_INVALID')
  return peerId
}

/** The one quota check (owner API input, config, stored defaults): QUOTA_INVALID names the field. */
export function validateQuota (quota: unknown): Quota {
  const checked: Partial<Quota> = {}
  for (const name of ['storageBytes', 'inboxMessages', 'inboxBytes'] as const) {
    const value = (quota as Partial<Record<keyof Quota, unknown>> | null | undefined)?.[name]
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new BadRequestError(`quota.${name} must be a non-negative integer`, 'QUOTA_INVALID')
    checked[name] = value
  }
  return checked as Quota
}

function accountKey (account: AccountId): ReturnType<typeof recordKey> {
  return recordKey('cafe', 'accounts', account)
}

class DefaultAccountService implements AccountService {
  readonly registration: 'open' | 'token'
  private readonly components: AccountComponents
  private readonly datastore: Datastore
  private readonly clock: Clock
  private readonly log: Logger
  private readonly owners = new Set<AccountDataOwner>()
  private readonly lock = new KeyedLock()
  private readonly lastWritten = new Map<AccountId, number>()
  private readonly initialQuota: Quota
  private readonly lastSeenInterval: number

  constructor (components: AccountComponents, init: AccountInit = {}) {
    this.components = components
    this.datastore = components.datastore
    this.clock = components.clock ?? Date.now
    this.log = components.logger.forComponent('cafe:accounts')
    this.registration = init.open === true ? 'open' : 'token'
    this.initialQuota = validateQuota(init.defaultQuota ?? DEFAULT_QUOTA)
    this.lastSeenInterval = init.lastSeenIntervalMs ?? 60_000
  }

  async challenge (options?: AbortOptions): Promise<Challenge> {
    return this.components.challenges.issue(options)
  }

  async createSession (request: SessionRequest, options: CallerOptions = {}): Promise<SessionResult> {
    const caller = { remote: options.remote ?? 'anonymous', address: options.remoteAddress }
    return this.countingFailures(caller, async () => this.proveAndStart(request, options))
  }

  /** Runs `attempt` unless the caller is over its failure limit; a 4xx it throws (but 429) counts as a failure. */
  private async countingFailures<T> (caller: Caller, attempt: () => Promise<T>): Promise<T> {
    this.components.failures.check(caller)
    try {
      return await attempt()
    } catch (err) {
      if (err instanceof CafeError && err.status >= 400 && err.status < 500 && err.status !== 429) {
        this.components.failures.penalize(caller)
        this.log('failed request from %s (address %s): %s', caller.remote, caller.address ?? 'unknown', err.code)
      }
      throw err
    }
  }

  async refresh (refreshToken: string | undefined, options?: AbortOptions): Promise<SessionTokens> {
    const tokens = await this.components.sessions.refresh(refreshToken, options)
    await this.touch(tokens.account, true, options)
    return tokens
  }

  async authenticate (accessToken: string | undefined, options: AuthenticateOptions = {}): Promise<VerifiedSession> {
    const verify = async (): Promise<VerifiedSession> => this.components.sessions.verify(accessToken, 'access', options)
    const session = options.caller == null ? await verify() : await this.countingFailures(options.caller, verify)
    await this.touch(session.account, false, options)
    return session
  }

  async whoami (account: AccountId, options?: AbortOptions): Promise<AccountInfo> {
    const record = await getRecord<AccountRecord>(this.datastore, accountKey(account), options)
    if (record == null) throw new UnauthorizedError('this account is not registered', 'SESSION_REVOKED')
    const { tokenId, quotaOverride, ...info } = await this.describe(record, options)
    return info
  }

  async remove (account: AccountId, options?: AbortOptions): Promise<void> {
    parseAccount(account)
    await this.lock.run(account, async () => {
      const key = accountKey(account)
      if (!(await this.datastore.has(key, options))) throw new NotFoundError('no such client', 'ACCOUNT_NOT_FOUND')
      await this.components.sessions.revokeAccount(account, options)
      const results = await Promise.allSettled([...this.owners].map(async owner => owner.removeAccount(account, options)))
      // an abort is the caller leaving, not a failure to report: the account stays, a retry finishes
      options?.signal?.throwIfAborted()
      const failed = results.filter(result => result.status === 'rejected')
      if (failed.length > 0) {
        // keep the record so the removal can be retried; its sessions are already gone
        this.log.error('removing data of %s failed: %o', account, failed.map(result => result.reason))
        throw new CafeError('could not delete all data of the account; try again', 'REMOVE_FAILED', 500)
      }
      await this.datastore.delete(key, options)
      this.lastWritten.delete(account)
      this.log('removed account %s', account)
    }, options)
  }

  async listClients (options?: AbortOptions): Promise<ClientInfo[]> {
    const clients: ClientInfo[] = []
    for await (const { value } of listRecords<AccountRecord>(this.datastore, '/cafe/accounts/', options)) {
      clients.push(await this.describe(value, options))
    }
    return clients.sort((a, b) => a.registeredAt - b.registeredAt)
  }

  async defaultQuota (options?: AbortOptions): Promise<Quota> {
    return (await getRecord<Quota>(this.datastore, DEFAULT_QUOTA_KEY, options)) ?? this.initialQuota
  }

  async setDefaultQuota (quota: Quota, options?: AbortOptions): Promise<Quota> {
    const checked = validateQuota(quota)
    await putRecord(this.datastore, DEFAULT_QUOTA_KEY, checked, options)
    return checked
  }

  async setQuota (account: AccountId, quota: Quota | null, options?: AbortOptions): Promise<ClientInfo> {
    parseAccount(account)
    const checked = quota == null ? null : validateQuota(quota)
    return this.lock.run(account, async () => {
      const record = await getRecord<AccountRecord>(this.datastore, accountKey(account), options)
      if (record == null) throw new NotFoundError('no such client', 'ACCOUNT_NOT_FOUND')
      record.quota = checked
      await putRecord(this.datastore, accountKey(account), record, options)
      return this.describe(record, options)
    }, options)
  }

  addDataOwner (owner: AccountDataOwner): () => void {
    this.owners.add(owner)
    return () => { this.owners.delete(owner) }
  }

  async isRegistered (account: AccountId, options?: AbortOptions): Promise<boolean> {
    return this.datastore.has(accountKey(account), options)
  }

  async quotaOf (account: AccountId, options?: AbortOptions): Promise<Quota> {
    const record = await getRecord<AccountRecord>(this.datastore, accountKey(account), options)
    return record?.quota ?? this.defaultQuota(options)
  }

  private async proveAndStart (request: SessionRequest, options: AbortOptions): Promise<SessionResult> {
    const peerId = parseAccount(request.account)
    const account = peerId.toString()
    const signature = typeof request.signature === 'string' ? fromBase64url(request.signature) : undefined
    if (signature == null || signature.length !== 64) throw new BadRequestError('signature must be a base64url Ed25519 signature', 'SIGNATURE_INVALID')
    // spend the nonce before checking the signature, so a nonce is worth one try
    await this.components.challenges.consume(String(request.nonce), options)
    const message = challengeMessage(this.components.sessions.issuer, String(request.nonce))
    if (peerId.publicKey == null || !(await peerId.publicKey.verify(message, signature, options))) {
      throw new UnauthorizedError('the signature does not match the account key', 'SIGNATURE_INVALID')
    }
    return this.lock.run(account, async () => {
      const key = accountKey(account)
      let registered = false
      const now = this.clock()
      let record = await getRecord<AccountRecord>(this.datastore, key, options)
      if (record == null) {
        let tokenId: string | null = null
        if (request.token != null && request.token !== '') {
          tokenId = (await this.components.tokens.consume(request.token, account, options)).id
        } else if (this.registration === 'token') {
          throw new UnauthorizedError('this account is not registered here; registering needs an access token', 'TOKEN_REQUIRED')
        }
        record = { account, registeredAt: now, lastSeen: now, tokenId, quota: null }
        registered = true
        this.log('registered account %s', account)
      } else {
        record.lastSeen = now
      }
      await putRecord(this.datastore, key, record, options)
      this.lastWritten.set(account, now)
      const tokens = await this.components.sessions.issue(account, options)
      return { ...tokens, registered }
    }, options)
  }

  /** Updates lastSeen, at most once per interval unless forced. */
  private async touch (account: AccountId, force: boolean, options?: AbortOptions): Promise<void> {
    const now = this.clock()
    if (!force && now - (this.lastWritten.get(account) ?? -Infinity) < this.lastSeenInterval) return
    this.lastWritten.set(account, now)
    await this.lock.run(account, async () => {
      const record = await getRecord<AccountRecord>(this.datastore, accountKey(account), options)
      if (record == null) return
      record.lastSeen = now
      await putRecord(this.datastore, accountKey(account), record, options)
    }, options)
  }

  private async describe (record: AccountRecord, options?: AbortOptions): Promise<ClientInfo> {
    const usage: Record<string, number> = {}
    for (const owner of this.owners) Object.assign(usage, await owner.usageOf(record.account, options))
    return {
      account: record.account,
      registeredAt: record.registeredAt,
      lastSeen: record.lastSeen,
      usage,
      quota: record.quota ?? await this.defaultQuota(options),
      tokenId: record.tokenId,
      quotaOverride: record.quota
    }
  }
}

export function createAccountService (components: AccountComponents, init?: AccountInit): AccountService {
  return new DefaultAccountService(components, init)
}
