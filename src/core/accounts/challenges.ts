/**
 * Nonces an account signs to prove it holds its key. Each is issued by this
 * cafe, lives briefly and can be answered once.
 */
import { RateLimitedError, UnauthorizedError } from '../errors.ts'
import { randomBase64url } from './crypto.ts'
import { getRecord, listRecords, putRecord, recordKey } from './records.ts'
import { KeyedLock } from '../util/keyed-lock.ts'
import type { AbortOptions, BaseComponents, Clock } from '../types.ts'
import type { Datastore } from 'interface-datastore'

export interface Challenge {
  /** the cafe's peer id: the signed message names it */
  cafe: string
  nonce: string
  expiresAt: number
}

export interface ChallengeService {
  issue (options?: AbortOptions): Promise<Challenge>
  /** Spends the nonce; throws 401 CHALLENGE_INVALID if unknown, expired or already used. */
  consume (nonce: string, options?: AbortOptions): Promise<void>
}

export interface ChallengeComponents extends BaseComponents {
  cafePeerId: string
}

export interface ChallengeInit {
  /** default 2 minutes */
  ttlMs?: number
  /** outstanding challenges allowed before issuing stops; default 10000 */
  maxOutstanding?: number
}

const PREFIX = '/cafe/challenges/'

class DefaultChallengeService implements ChallengeService {
  private readonly datastore: Datastore
  private readonly clock: Clock
  private readonly cafe: string
  private readonly ttlMs: number
  private readonly maxOutstanding: number
  private readonly lock = new KeyedLock()
  private outstanding = 0
  private lastSweep = -Infinity

  constructor (components: ChallengeComponents, init: ChallengeInit = {}) {
    this.datastore = components.datastore
    this.clock = components.clock ?? Date.now
    this.cafe = components.cafePeerId
    this.ttlMs = init.ttlMs ?? 120_000
    this.maxOutstanding = init.maxOutstanding ?? 10_000
  }

  async issue (options?: AbortOptions): Promise<Challenge> {
    if (this.clock() - this.lastSweep > this.ttlMs || this.outstanding >= this.maxOutstanding) await this.sweep(options)
    if (this.outstanding >= this.maxOutstanding) throw new RateLimitedError('too many open challenges', Math.ceil(this.ttlMs / 1000))
    const nonce = randomBase64url(32)
    const expiresAt = this.clock() + this.ttlMs
    await putRecord(this.datastore, recordKey('cafe', 'challenges', nonce), { expiresAt }, options)
    this.outstanding++
    return { cafe: this.cafe, nonce, expiresAt }
  }

  async consume (nonce: string, options?: AbortOptions): Promise<void> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(nonce)) throw new UnauthorizedError('unknown challenge', 'CHALLENGE_INVALID')
    await this.lock.run(nonce, async () => {
      const key = recordKey('cafe', 'challenges', nonce)
      const record = await getRecord<{ expiresAt: number }>(this.datastore, key, options)
      if (record == null) throw new UnauthorizedError('unknown or already used challenge', 'CHALLENGE_INVALID')
      await this.datastore.delete(key, options)
      this.outstanding = Math.max(0, this.outstanding - 1)
      if (this.clock() >= record.expiresAt) throw new UnauthorizedError('the challenge has expired', 'CHALLENGE_EXPIRED')
    }, options)
  }

  /** Drops expired challenges and recounts the live ones. */
  private async sweep (options?: AbortOptions): Promise<void> {
    const now = this.clock()
    const expired = []
    let live = 0
    for await (const { key, value } of listRecords<{ expiresAt: number }>(this.datastore, PREFIX, options)) {
      if (now >= value.expiresAt) expired.push(key)
      else live++
    }
    for (const key of expired) await this.datastore.delete(key, options)
    this.outstanding = live
    this.lastSweep = now
  }
}

export function createChallengeService (components: ChallengeComponents, init?: ChallengeInit): ChallengeService {
  return new DefaultChallengeService(components, init)
}
