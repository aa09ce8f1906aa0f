/**
 * The client library apps use to talk to one cafe: register or sign in with the
 * account key, keep the session in the app's store, refresh it before it runs
 * out, and call the cafe's operations.
 */
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { toString } from 'uint8arrays/to-string'
import { challengeMessage } from '../core/accounts/challenge-message.ts'
import { CafeError, UnauthorizedError } from '../core/errors.ts'
import { MemorySessionStore } from './session-store.ts'
import type { CafeTransport, CarBody, CarUploadInput, CarUploadOptions } from './transport.ts'
import type { PinResults } from '../core/pinning/index.ts'
import type { SessionStore, StoredSession } from './session-store.ts'
import type { AccountInfo, Challenge, SessionResult, SessionTokens } from '../core/accounts/index.ts'
import type { CafeInfo } from '../core/info/service.ts'
import type { AbortOptions, Clock } from '../core/types.ts'
import type { PrivateKey } from '@libp2p/interface'

export interface CafeClientInit {
  /** the account key (Ed25519); every device of the account holds the same one */
  privateKey: PrivateKey
  transport: CafeTransport
  /** default: in memory, lost on reload */
  store?: SessionStore
  /** the cafe's peer id, if known; else taken from the transport or from the cafe's own description */
  cafe?: string
  clock?: Clock
  /** refresh when the access token has less than this left; default 60 s */
  refreshMarginMs?: number
  /** sign in again with the account key when the refresh token no longer works; default true */
  autoSignIn?: boolean
}

export class CafeClient {
  /** the account's peer id */
  readonly account: string
  private readonly privateKey: PrivateKey
  private readonly transport: CafeTransport
  private readonly store: SessionStore
  private readonly clock: Clock
  private readonly refreshMargin: number
  private readonly autoSignIn: boolean
  private cafe?: string
  private refreshing?: Promise<StoredSession>

  constructor (init: CafeClientInit) {
    if (init.privateKey.type !== 'Ed25519') throw new TypeError('the account key must be Ed25519')
    this.privateKey = init.privateKey
    this.account = peerIdFromPrivateKey(init.privateKey).toString()
    this.transport = init.transport
    this.store = init.store ?? new MemorySessionStore()
    this.clock = init.clock ?? Date.now
    this.refreshMargin = init.refreshMarginMs ?? 60_000
    this.autoSignIn = init.autoSignIn ?? true
    this.cafe = init.cafe ?? init.transport.cafe
  }

  /** the cafe's peer id, once known (given, from the transport, or after the first session or `info()`) */
  get cafePeerId (): string | undefined {
    return this.cafe
  }

  async info (options?: AbortOptions): Promise<CafeInfo> {
    const info = await this.transport.request('cafe.info', {}, undefined, options) as CafeInfo
    this.cafe ??= info.peerId
    return info
  }

  /** Registers the account with an access token (or none on an open cafe); a registered account just signs in. */
  async register (token?: string, options?: AbortOptions): Promise<SessionResult> {
    return this.startSession(token, options)
  }

  /** Signs in a device of an already registered account. */
  async signIn (options?: AbortOptions): Promise<SessionResult> {
    return this.startSession(undefined, options)
  }

  /** The stored session for this cafe, if any. */
  async session (): Promise<StoredSession | undefined> {
    return this.store.get(await this.storeKey())
  }

  /** Calls an operation with the session, refreshing it first if it is about to run out. */
  async call<T = unknown> (op: string, input: unknown = {}, options?: AbortOptions): Promise<T> {
    return this.authorized(async accessToken => this.transport.request(op, input, accessToken, options) as Promise<T>, options)
  }

  /** Uploads a CAR for the cafe to verify and pin; the blocks need not be served by this client. */
  /** `onProgress` gets `cafe:car:upload` events as the CAR goes out */
  async uploadCar (car: CarBody, input: CarUploadInput = {}, options?: CarUploadOptions): Promise<PinResults> {
    return this.authorized(async accessToken => this.transport.uploadCar(car, input, accessToken, options) as Promise<PinResults>, options)
  }

  /** Receives pushed inbox messages while the transport's stream lasts (until the access token expires). */
  async subscribeInbox (onMessage: (message: any) => Promise<void> | void, options?: AbortOptions): Promise<void> {
    const subscribe = this.transport.subscribeInbox?.bind(this.transport)
    if (subscribe == null) throw new CafeError('this transport cannot receive pushed messages: poll the inbox', 'UNSUPPORTED_PUSH', 501)
    await this.authorized(async accessToken => subscribe(accessToken, onMessage, options), options)
  }

  /** Runs `send` with a fresh access token, and once more after a refresh if the cafe says it expired. */
  private async authorized<T> (send: (accessToken: string) => Promise<T>, options?: AbortOptions): Promise<T> {
    let session = await this.session()
    if (session == null) throw new UnauthorizedError('not signed in to this cafe', 'SESSION_MISSING')
    if (this.clock() >= session.accessExpiresAt - this.refreshMargin) session = await this.refresh(session, options)
    try {
      return await send(session.accessToken)
    } catch (err) {
      if (!(err instanceof CafeError) || err.code !== 'SESSION_EXPIRED') throw err
      session = await this.refresh(session, options)
      return await send(session.accessToken)
    }
  }

  async whoami (options?: AbortOptions): Promise<AccountInfo> {
    return this.call<AccountInfo>('account.get', {}, options)
  }

  /** Ends the registration: the cafe deletes everything it stored for the account. */
  async deregister (options?: AbortOptions): Promise<void> {
    await this.call('sessions.deregister', {}, options)
    await this.store.delete(await this.storeKey())
  }

  /** Forgets the local session (the registration stays). */
  async forget (): Promise<void> {
    await this.store.delete(await this.storeKey())
  }

  private async startSession (token: string | undefined, options?: AbortOptions): Promise<SessionResult> {
    const cafe = await this.cafeId(options)
    const challenge = await this.transport.request('sessions.challenge', {}, undefined, options) as Challenge
    if (challenge.cafe !== cafe) throw new CafeError('the challenge names another cafe', 'CHALLENGE_FOREIGN', 502)
    const signature = toString(await this.privateKey.sign(challengeMessage(cafe, challenge.nonce), options), 'base64url')
    const input = { account: this.account, nonce: challenge.nonce, signature, ...(token != null ? { token } : {}) }
    const result = await this.transport.request('sessions.create', input, undefined, options) as SessionResult
    await this.save(cafe, result)
    return result
  }

  /** One refresh at a time: a second concurrent one would reuse the rotated token and end the session. */
  private async refresh (stale: StoredSession, options?: AbortOptions): Promise<StoredSession> {
    this.refreshing ??= (async () => {
      try {
        const current = await this.session()
        // another caller may have refreshed already
        if (current != null && current.refreshToken !== stale.refreshToken && this.clock() < current.accessExpiresAt - this.refreshMargin) return current
        const tokens = await this.transport.request('sessions.refresh', {}, (current ?? stale).refreshToken, options) as SessionTokens
        return await this.save(stale.cafe, tokens)
      } catch (err) {
        if (!(err instanceof CafeError) || err.status !== 401) throw err
        await this.store.delete(await this.storeKey())
        // the refresh token ran out or its family ended: the account key signs in again
        // (a registered account needs no token; a removed one gets the cafe's 401)
        if (!this.autoSignIn) throw err
        await this.startSession(undefined, options)
        const session = await this.session()
        if (session == null) throw err
        return session
      } finally {
        this.refreshing = undefined
      }
    })()
    return this.refreshing
  }

  private async save (cafe: string, tokens: SessionTokens): Promise<StoredSession> {
    const session: StoredSession = {
      cafe,
      account: this.account,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      accessExpiresAt: tokens.accessExpiresAt,
      refreshExpiresAt: tokens.refreshExpiresAt
    }
    await this.store.set(await this.storeKey(), session)
    return session
  }

  private async cafeId (options?: AbortOptions): Promise<string> {
    return this.cafe ?? (await this.info(options)).peerId
  }

  private async storeKey (): Promise<string> {
    return `${await this.cafeId()}/${this.account}`
  }
}
