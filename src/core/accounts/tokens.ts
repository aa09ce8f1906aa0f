/**
 * Access tokens the owner hands out. The secret is shown once; the cafe keeps
 * only its SHA-256 hash, and the token's id is the first 16 hex digits of that
 * hash, so checking a token is one datastore get.
 */
import { UnauthorizedError, NotFoundError, BadRequestError } from '../errors.ts'
import { constantTimeEqual, randomBase64url, sha256Hex } from './crypto.ts'
import { getRecord, listRecords, putRecord, recordKey } from './records.ts'
import { KeyedLock } from '../util/keyed-lock.ts'
import type { AbortOptions, AccountId, BaseComponents, Clock } from '../types.ts'
import type { Datastore } from 'interface-datastore'
import type { Logger } from '@libp2p/interface'

export interface TokenInfo {
  id: string
  label: string
  createdAt: number
  /** ms since the epoch, or null for never */
  expiresAt: number | null
  /** null for unlimited */
  usesLeft: number | null
  /** accounts that registered with this token */
  usedBy: Array<{ account: AccountId, at: number }>
}

export interface CreatedToken extends TokenInfo {
  /** the secret, shown this once */
  token: string
}

export interface CreateTokenOptions extends AbortOptions {
  label?: string
  /** ms since the epoch */
  expiresAt?: number | null
  uses?: number | null
}

export interface TokenService {
  create (options?: CreateTokenOptions): Promise<CreatedToken>
  list (options?: AbortOptions): Promise<TokenInfo[]>
  revoke (id: string, options?: AbortOptions): Promise<void>
  /** Spends one use of the token for `account`; throws 401 if it cannot register. */
  consume (token: string, account: AccountId, options?: AbortOptions): Promise<TokenInfo>
}

interface TokenRecord extends TokenInfo {
  hash: string
}

const PREFIX = '/cafe/tokens/'
const SECRET_BYTES = 32

function tokenId (hash: string): string {
  return hash.slice(0, 16)
}

function publicInfo ({ hash, ...info }: TokenRecord): TokenInfo {
  return info
}

class DefaultTokenService implements TokenService {
  private readonly datastore: Datastore
  private readonly clock: Clock
  private readonly log: Logger
  private readonly lock = new KeyedLock()

  constructor (components: BaseComponents) {
    this.datastore = components.datastore
    this.clock = components.clock ?? Date.now
    this.log = components.logger.forComponent('cafe:tokens')
  }

  async create (options: CreateTokenOptions = {}): Promise<CreatedToken> {
    const uses = options.uses ?? null
    if (uses != null && (!Number.isSafeInteger(uses) || uses < 1)) throw new BadRequestError('uses must be a positive integer')
    const expiresAt = options.expiresAt ?? null
    if (expiresAt != null && !Number.isSafeInteger(expiresAt)) throw new BadRequestError('expiresAt must be ms since the epoch')

    const token = randomBase64url(SECRET_BYTES)
    const hash = sha256Hex(token)
    const record: TokenRecord = {
      id: tokenId(hash),
      hash,
      label: options.label ?? '',
      createdAt: this.clock(),
      expiresAt,
      usesLeft: uses,
      usedBy: []
    }
    await putRecord(this.datastore, recordKey('cafe', 'tokens', record.id), record, options)
    this.log('created token %s', record.id)
    return { ...publicInfo(record), token }
  }

  async list (options?: AbortOptions): Promise<TokenInfo[]> {
    const tokens: TokenInfo[] = []
    for await (const { value } of listRecords<TokenRecord>(this.datastore, PREFIX, options)) tokens.push(publicInfo(value))
    return tokens.sort((a, b) => a.createdAt - b.createdAt)
  }

  async revoke (id: string, options?: AbortOptions): Promise<void> {
    const key = recordKey('cafe', 'tokens', id)
    if (!/^[0-9a-f]{16}$/.test(id) || !(await this.datastore.has(key, options))) throw new NotFoundError('no such token', 'TOKEN_NOT_FOUND')
    await this.datastore.delete(key, options)
    this.log('revoked token %s', id)
  }

  async consume (token: string, account: AccountId, options?: AbortOptions): Promise<TokenInfo> {
    const hash = sha256Hex(token)
    const id = tokenId(hash)
    return this.lock.run(id, async () => {
      const key = recordKey('cafe', 'tokens', id)
      const record = await getRecord<TokenRecord>(this.datastore, key, options)
      if (record == null || !constantTimeEqual(record.hash, hash)) throw new UnauthorizedError('unknown or revoked access token', 'TOKEN_INVALID')
      if (record.expiresAt != null && this.clock() >= record.expiresAt) throw new UnauthorizedError('the access token has expired', 'TOKEN_EXPIRED')
      if (record.usesLeft != null && record.usesLeft < 1) throw new UnauthorizedError('the access token has no uses left', 'TOKEN_USED_UP')
      if (record.usesLeft != null) record.usesLeft--
      record.usedBy.push({ account, at: this.clock() })
      await putRecord(this.datastore, key, record, options)
      return publicInfo(record)
    }, options)
  }
}

export function createTokenService (components: BaseComponents): TokenService {
  return new DefaultTokenService(components)
}
