/**
 * The rate-limit buckets the registry's entries name (`RateBucket`), one set per cafe,
 * shared by every door: the HTTP door, the libp2p API protocol and the stream protocols.
 */
import { createCallerLimiter, type CallerLimiter, type RateLimiterInit } from '../util/rate-limiter.ts'
import type { RateBucket } from './route.ts'
import type { Clock } from '../types.ts'

export type RateBuckets = Record<RateBucket, CallerLimiter>

export type RateBucketsInit = Partial<Record<RateBucket, Omit<RateLimiterInit, 'clock'>>>

export const DEFAULT_RATE_BUCKETS: Record<RateBucket, Omit<RateLimiterInit, 'clock'>> = {
  requests: { capacity: 60, refillPerSecond: 20 },
  streams: { capacity: 10, refillPerSecond: 1 }
}

export function createRateBuckets (init: RateBucketsInit = {}, clock?: Clock): RateBuckets {
  return {
    requests: createCallerLimiter({ ...DEFAULT_RATE_BUCKETS.requests, ...init.requests, clock }),
    streams: createCallerLimiter({ ...DEFAULT_RATE_BUCKETS.streams, ...init.streams, clock })
  }
}
