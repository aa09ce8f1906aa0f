/**
 * Token buckets keyed by caller (peer id, sender). Each key starts with `burst` tokens
 * and regains `perMinute` tokens a minute; a request takes one token from every key
 * it names, or none if any of them is empty.
 */
import { RateLimitedError } from '../errors.ts'
import type { Clock } from '../types.ts'

export interface RateLimit {
  perMinute: number
  burst: number
}

export interface RateLimiter {
  /** take one token from each key, or throw RateLimitedError and take nothing */
  take (keys: string[]): void
}

interface Bucket { tokens: number, at: number }

/** past this many buckets, full ones are dropped: they hold no state worth keeping */
const PRUNE_AT = 10_000

export function createRateLimiter (limit: RateLimit, clock: Clock): RateLimiter {
  const buckets = new Map<string, Bucket>()
  const perMs = limit.perMinute / 60_000

  const refill = (key: string, now: number): Bucket => {
    const bucket = buckets.get(key) ?? { tokens: limit.burst, at: now }
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (now - bucket.at) * perMs)
    bucket.at = now
    return bucket
  }

  const prune = (now: number): void => {
    for (const [key, bucket] of buckets) {
      if (refill(key, now).tokens >= limit.burst) buckets.delete(key)
    }
  }

  return {
    take (keys) {
      const now = clock()
      if (buckets.size > PRUNE_AT) prune(now)
      const taken = keys.map(key => refill(key, now))
      const empty = taken.find(bucket => bucket.tokens < 1)
      if (empty != null) {
        const wait = perMs > 0 ? Math.ceil((1 - empty.tokens) / perMs / 1000) : 60
        throw new RateLimitedError('too many requests, slow down', Math.max(1, wait))
      }
      keys.forEach((key, i) => {
        taken[i].tokens -= 1
        buckets.set(key, taken[i])
      })
    }
  }
}
