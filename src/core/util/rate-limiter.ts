/**
 * Token buckets keyed by peer or client. `take` spends one token or throws 429
 * with the seconds until one is back; `check` only looks. Buckets live in memory:
 * a restart forgives everyone, which is fine for a limit of minutes.
 *
 * A caller limiter counts one caller against two buckets: its own key (a peer id,
 * which costs nothing to make) and its network address (which others may share,
 * behind a NAT or a relay, so its bucket is larger).
 */
import { RateLimitedError } from '../errors.ts'
import type { CafeErrorCode } from '../errors.ts'
import type { Clock } from '../types.ts'

export interface RateLimiter {
  /** throws RateLimitedError if `key` has no token left */
  check (key: string): void
  /** spends `cost` tokens of `key`, throwing RateLimitedError if it has too few */
  take (key: string, cost?: number): void
  /** spends a token even if that takes the bucket below zero (to count failures) */
  penalize (key: string, cost?: number): void
  /** spends one token of every key, or none if any key has none left (throws 429) */
  takeAll (keys: string[]): void
}

/** A limit as services configure it: a burst, then so many a minute. */
export interface RateLimit {
  perMinute: number
  burst: number
}

export interface RateLimiterInit {
  /** bucket size: how many in a burst */
  capacity: number
  /** tokens back per second */
  refillPerSecond: number
  /** buckets kept before full ones are forgotten; default 10000 */
  maxKeys?: number
  clock?: Clock
  /** error code of the 429; default RATE_LIMITED */
  code?: CafeErrorCode
}

interface Bucket { tokens: number, at: number }

class TokenBucketLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly capacity: number
  private readonly refill: number
  private readonly maxKeys: number
  private readonly clock: Clock
  private readonly code: CafeErrorCode

  constructor (init: RateLimiterInit) {
    this.capacity = init.capacity
    this.refill = init.refillPerSecond
    this.maxKeys = init.maxKeys ?? 10_000
    this.clock = init.clock ?? Date.now
    this.code = init.code ?? 'RATE_LIMITED'
  }

  check (key: string): void {
    this.ensure(this.bucket(key), 1)
  }

  take (key: string, cost = 1): void {
    const bucket = this.bucket(key)
    this.ensure(bucket, cost)
    bucket.tokens -= cost
  }

  penalize (key: string, cost = 1): void {
    this.bucket(key).tokens -= cost
  }

  takeAll (keys: string[]): void {
    const buckets = keys.map(key => this.bucket(key))
    for (const bucket of buckets) this.ensure(bucket, 1)
    for (const bucket of buckets) bucket.tokens -= 1
  }

  private ensure (bucket: Bucket, cost: number): void {
    if (bucket.tokens >= cost) return
    const seconds = Math.max(1, Math.ceil((cost - bucket.tokens) / this.refill))
    throw new RateLimitedError(`too many requests; try again in ${seconds} s`, seconds, this.code)
  }

  private bucket (key: string): Bucket {
    const now = this.clock()
    let bucket = this.buckets.get(key)
    if (bucket == null) {
      if (this.buckets.size >= this.maxKeys) this.forgetFull(now)
      bucket = { tokens: this.capacity, at: now }
      this.buckets.set(key, bucket)
    } else {
      bucket.tokens = Math.min(this.capacity, bucket.tokens + (now - bucket.at) / 1000 * this.refill)
      bucket.at = now
    }
    return bucket
  }

  private forgetFull (now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) / 1000 * this.refill >= this.capacity) this.buckets.delete(key)
    }
    // everyone is mid-burst: drop the oldest rather than grow without bound
    if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next()
      if (oldest.done !== true) this.buckets.delete(oldest.value)
    }
  }
}

export function createRateLimiter (init: RateLimiterInit): RateLimiter {
  return new TokenBucketLimiter(init)
}

/** A limiter for a burst-then-per-minute limit. */
export function rateLimiterFor (limit: RateLimit, clock?: Clock): RateLimiter {
  return createRateLimiter({ capacity: limit.burst, refillPerSecond: limit.perMinute / 60, clock })
}

/**
 * A caller as the limits see it. `remote` is its own key; `address`, when the door
 * knows one, is where it connects from (see `remoteAddressOf` in api/libp2p.ts).
 */
export interface Caller {
  /** peer id, client id, or the IP of an HTTP client */
  remote?: string
  /** network address shared by every peer id behind it */
  address?: string
}

/** Limits a caller by its own key and by its address at once: a fresh peer id on the same address gets no fresh allowance. */
export interface CallerLimiter {
  /** throws RateLimitedError if the caller or its address has no token left */
  check (caller: Caller): void
  /** spends a token of the caller and of its address, or none (throws 429) */
  take (caller: Caller): void
  /** spends a token of both even below zero (to count failures) */
  penalize (caller: Caller): void
}

export interface CallerLimiterInit extends RateLimiterInit {
  /** an address's bucket as a multiple of one caller's, since many may share it; default 4 */
  addressShare?: number
}

class TwoKeyLimiter implements CallerLimiter {
  private readonly byRemote: RateLimiter
  private readonly byAddress: RateLimiter

  constructor (init: CallerLimiterInit) {
    const share = init.addressShare ?? 4
    this.byRemote = new TokenBucketLimiter(init)
    this.byAddress = new TokenBucketLimiter({ ...init, capacity: init.capacity * share, refillPerSecond: init.refillPerSecond * share })
  }

  check (caller: Caller): void {
    if (caller.address != null) this.byAddress.check(caller.address)
    this.byRemote.check(caller.remote ?? 'anonymous')
  }

  take (caller: Caller): void {
    this.check(caller)
    if (caller.address != null) this.byAddress.take(caller.address)
    this.byRemote.take(caller.remote ?? 'anonymous')
  }

  penalize (caller: Caller): void {
    if (caller.address != null) this.byAddress.penalize(caller.address)
    this.byRemote.penalize(caller.remote ?? 'anonymous')
  }
}

export function createCallerLimiter (init: CallerLimiterInit): CallerLimiter {
  return new TwoKeyLimiter(init)
}
