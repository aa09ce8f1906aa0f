/**
 * The cafe's whole HTTP surface under /api/: the route table's door, and the IPFS
 * Pinning Service API mounted at /api/v0/pinning for existing pinning tools. Both
 * authenticate with the same access JWT and share the per-remote request limit.
 */
import { createRateLimiter, type RateLimiterInit } from '../util/rate-limiter.ts'
import { pinningErrorResponse, type PinningHttp } from '../pinning/http.ts'
import { bearer, type HttpApi, type HttpRequestOptions } from './http.ts'
import type { AccountService } from '../accounts/accounts.ts'
import type { Clock } from '../types.ts'

export const PINNING_BASE_PATH = '/api/v0/pinning'

export interface CafeHttpComponents {
  api: HttpApi
  accounts: AccountService
  pinning?: PinningHttp
  clock?: Clock
}

export interface CafeHttpInit {
  requests?: Omit<RateLimiterInit, 'clock'>
}

function isPinningPath (pathname: string): boolean {
  return pathname === PINNING_BASE_PATH || pathname.startsWith(`${PINNING_BASE_PATH}/`)
}

export function createCafeHttp (components: CafeHttpComponents, init: CafeHttpInit = {}): HttpApi {
  const limiter = createRateLimiter({ capacity: 60, refillPerSecond: 20, ...init.requests, clock: components.clock })
  return {
    async fetch (request: Request, options: HttpRequestOptions = {}): Promise<Response> {
      const pinning = components.pinning
      if (pinning == null || !isPinningPath(new URL(request.url).pathname)) return components.api.fetch(request, options)
      try {
        limiter.take(options.remote ?? 'anonymous')
        const { account } = await components.accounts.authenticate(bearer(request), options)
        return await pinning.fetch(request, account, options)
      } catch (err) {
        return pinningErrorResponse(err)
      }
    }
  }
}
