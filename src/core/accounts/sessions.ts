/**
 * Sessions: a short-lived access JWT and a longer refresh JWT, signed EdDSA with
 * the cafe's own Ed25519 key. Each sign-in starts a family stored under the
 * account (/cafe/sessions/<account>/<family>); refresh rotates the family's
 * current refresh jti, and presenting a rotated one deletes the family. Verifying
 * reads that one record, so deleting an account's families (deregistration)
 * ends its sessions at once.
 */
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { SignJWT, importJWK, jwtVerify } from 'jose'
import { SessionExpiredError, UnauthorizedError } from '../errors.ts'
import { randomBase64url, toBase64url } from './crypto.ts'
import { deletePrefix, getRecord, listRecords, putRecord, recordKey } from './records.ts'
import { KeyedLock } from '../util/keyed-lock.ts'
import type { AbortOptions, AccountId, BaseComponents, Clock } from '../types.ts'
import type { Logger, PrivateKey } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'
import type { CryptoKey, JWTPayload } from 'jose'

export type SessionTokenType = 'access' | 'refresh'

export interface SessionTokens {
  account: AccountId
  accessToken: string
  refreshToken: string
  /** ms since the epoch */
  accessExpiresAt: number
  refreshExpiresAt: number
}

export interface VerifiedSession {
  account: AccountId
  family: string
  jti: string
  /** ms since the epoch */
  expiresAt: number
}

export interface SessionService {
  /** the cafe's peer id: `iss` and `aud` of every token */
  readonly issuer: string
  /** Starts a new session family for an account the caller has checked. */
  issue (account: AccountId, options?: AbortOptions): Promise<SessionTokens>
  verify (token: string | undefined, type: SessionTokenType, options?: AbortOptions): Promise<VerifiedSession>
  /** Rotates a refresh token: the old one stops working; reusing it ends the family. */
  refresh (refreshToken: string | undefined, options?: AbortOptions): Promise<SessionTokens>
  revokeFamily (account: AccountId, family: string, options?: AbortOptions): Promise<void>
  revokeAccount (account: AccountId, options?: AbortOptions): Promise<void>
}

export interface SessionComponents extends BaseComponents {
  /** the cafe's libp2p key; must be Ed25519 */
  privateKey: PrivateKey
}

export interface SessionInit {
  /** default 3600 */
  accessTtlSeconds?: number
  /** default 30 days */
  refreshTtlSeconds?: number
}

interface FamilyRecord {
  current: string
  createdAt: number
  expiresAt: number
}

const MAX_TOKEN_LENGTH = 4096
/** verified tokens remembered, so a busy session skips the signature check */
const VERIFIED_CACHE_SIZE = 1024
const ALGORITHM = 'EdDSA'

async function importCafeKeys (privateKey: PrivateKey): Promise<{ signing: CryptoKey, verifying: CryptoKey }> {
  if (privateKey.type !== 'Ed25519') throw new Error('the cafe key must be Ed25519 to sign sessions')
  const x = toBase64url(privateKey.publicKey.raw)
  const d = toBase64url(privateKey.raw.subarray(0, 32))
  const [signing, verifying] = await Promise.all([
    importJWK({ kty: 'OKP', crv: 'Ed25519', d, x }, ALGORITHM),
    importJWK({ kty: 'OKP', crv: 'Ed25519', x }, ALGORITHM)
  ])
  return { signing: signing as CryptoKey, verifying: verifying as CryptoKey }
}

function familyKey (account: AccountId, family: string): ReturnType<typeof recordKey> {
  return recordKey('cafe', 'sessions', account, family)
}

class DefaultSessionService implements SessionService {
  readonly issuer: string
  private readonly datastore: Datastore
  private readonly clock: Clock
  private readonly log: Logger
  private readonly keys: Promise<{ signing: CryptoKey, verifying: CryptoKey }>
  private readonly accessTtl: number
  private readonly refreshTtl: number
  private readonly lock = new KeyedLock()
  private readonly verified = new Map<string, VerifiedSession & { type: SessionTokenType }>()

  constructor (components: SessionComponents, init: SessionInit = {}) {
    this.issuer = peerIdFromPrivateKey(components.privateKey).toString()
    this.datastore = components.datastore
    this.clock = components.clock ?? Date.now
    this.log = components.logger.forComponent('cafe:sessions')
    this.keys = importCafeKeys(components.privateKey)
    this.keys.catch(() => {}) // surfaced on first use
    this.accessTtl = init.accessTtlSeconds ?? 3600
    this.refreshTtl = init.refreshTtlSeconds ?? 30 * 24 * 3600
  }

  async issue (account: AccountId, options?: AbortOptions): Promise<SessionTokens> {
    const family = randomBase64url(16)
    await this.pruneFamilies(account, options)
    return this.issueInFamily(account, family, this.clock(), options)
  }

  async verify (token: string | undefined, type: SessionTokenType, options?: AbortOptions): Promise<VerifiedSession> {
    const session = await this.verifySignature(token, type)
    const family = await getRecord<FamilyRecord>(this.datastore, familyKey(session.account, session.family), options)
    if (family == null) throw new UnauthorizedError('the session has ended', 'SESSION_REVOKED')
    return session
  }

  async refresh (refreshToken: string | undefined, options?: AbortOptions): Promise<SessionTokens> {
    const session = await this.verifySignature(refreshToken, 'refresh')
    const key = familyKey(session.account, session.family)
    return this.lock.run(key.toString(), async () => {
      const family = await getRecord<FamilyRecord>(this.datastore, key, options)
      if (family == null) throw new UnauthorizedError('the session has ended', 'SESSION_REVOKED')
      if (family.current !== session.jti) {
        await this.datastore.delete(key, options)
        this.log('refresh token reused for %s, ended its session family', session.account)
        throw new UnauthorizedError('this refresh token was already used; the session has ended', 'REFRESH_REUSED')
      }
      return this.issueInFamily(session.account, session.family, family.createdAt, options)
    }, options)
  }

  async revokeFamily (account: AccountId, family: string, options?: AbortOptions): Promise<void> {
    await this.datastore.delete(familyKey(account, family), options)
  }

  async revokeAccount (account: AccountId, options?: AbortOptions): Promise<void> {
    await deletePrefix(this.datastore, `/cafe/sessions/${account}/`, options)
  }

  private async issueInFamily (account: AccountId, family: string, createdAt: number, options?: AbortOptions): Promise<SessionTokens> {
    const { signing } = await this.keys
    const now = Math.floor(this.clock() / 1000)
    const sign = async (typ: SessionTokenType, jti: string, exp: number): Promise<string> =>
      new SignJWT({ typ, fam: family })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
        .setIssuer(this.issuer)
        .setAudience(this.issuer)
        .setSubject(account)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(exp)
        .setJti(jti)
        .sign(signing)
    const refreshJti = randomBase64url(16)
    const accessExp = now + this.accessTtl
    const refreshExp = now + this.refreshTtl
    const [accessToken, refreshToken] = await Promise.all([
      sign('access', randomBase64url(16), accessExp),
      sign('refresh', refreshJti, refreshExp)
    ])
    const record: FamilyRecord = { current: refreshJti, createdAt, expiresAt: refreshExp * 1000 }
    await putRecord(this.datastore, familyKey(account, family), record, options)
    return { account, accessToken, refreshToken, accessExpiresAt: accessExp * 1000, refreshExpiresAt: refreshExp * 1000 }
  }

  private async verifySignature (token: string | undefined, type: SessionTokenType): Promise<VerifiedSession> {
    if (token == null || token === '') throw new UnauthorizedError('a session token is required', 'SESSION_MISSING')
    if (token.length > MAX_TOKEN_LENGTH) throw new UnauthorizedError('malformed session token', 'SESSION_INVALID')
    const cached = this.verified.get(token)
    if (cached != null && cached.type === type && this.clock() < cached.expiresAt) {
      const { type: _, ...session } = cached
      return session
    }
    const session = await this.verifyJwt(token, type)
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string)
    this.verified.set(token, { ...session, type })
    return session
  }

  private async verifyJwt (token: string, type: SessionTokenType): Promise<VerifiedSession> {
    const { verifying } = await this.keys
    let payload: JWTPayload
    try {
      ({ payload } = await jwtVerify(token, verifying, {
        algorithms: [ALGORITHM],
        issuer: this.issuer,
        audience: this.issuer,
        requiredClaims: ['sub', 'exp', 'iat', 'nbf', 'jti'],
        currentDate: new Date(this.clock())
      }))
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_JWT_EXPIRED') throw new SessionExpiredError()
      throw new UnauthorizedError('invalid session token', 'SESSION_INVALID')
    }
    const { sub, jti, exp, typ, fam } = payload as JWTPayload & { typ?: unknown, fam?: unknown }
    if (typ !== type) throw new UnauthorizedError(`not an ${type} token`, 'SESSION_INVALID')
    if (typeof sub !== 'string' || typeof jti !== 'string' || typeof fam !== 'string' || typeof exp !== 'number') {
      throw new UnauthorizedError('invalid session token', 'SESSION_INVALID')
    }
    return { account: sub, family: fam, jti, expiresAt: exp * 1000 }
  }

  /** Drops the account's expired families so sign-ins do not pile up records. */
  private async pruneFamilies (account: AccountId, options?: AbortOptions): Promise<void> {
    const now = this.clock()
    const expired = []
    for await (const { key, value } of listRecords<FamilyRecord>(this.datastore, `/cafe/sessions/${account}/`, options)) {
      if (value.expiresAt <= now) expired.push(key)
    }
    for (const key of expired) await this.datastore.delete(key, options)
  }
}

export function createSessionService (components: SessionComponents, init?: SessionInit): SessionService {
  return new DefaultSessionService(components, init)
}
