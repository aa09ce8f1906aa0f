/**
 * The cafe API: one table of routes and the one place that applies their rules
 * (owner-only, rate limit, authentication, input checks) before calling the
 * handler. Both doors (HTTP, libp2p) and the owner's console call `call()`.
 */
import { BadRequestError, NotFoundError, UnauthorizedError } from '../errors.ts'
import { createRateBuckets, type RateBuckets } from './buckets.ts'
import type { Route } from './route.ts'
import type { AccountService } from '../accounts/accounts.ts'
import type { RateLimiterInit } from '../util/rate-limiter.ts'
import type { AbortOptions, ComponentLogger, Clock } from '../types.ts'
import type { Logger } from '@libp2p/interface'

export interface ApiRequest {
  op: string
  input?: unknown
  /** bearer credential: an access JWT, or a refresh JWT for 'refresh' routes */
  auth?: string
  /** true only when the caller proved to be the owner (owner secret, console channel) */
  owner?: boolean
  /** who is asking (remote peer id, client id), for rate limits */
  remote?: string
  /**
   * where it asks from, set by the libp2p door (`remoteAddressOf`): failed registrations
   * and authentications then count per address as well as per peer id
   */
  remoteAddress?: string
}

/** What the API itself needs; feature routes may ask for more. */
export interface ApiServices {
  accounts: AccountService
}

export interface CafeApi<S extends ApiServices = ApiServices> {
  readonly routes: ReadonlyArray<Route<S>>
  route (op: string): Route<S> | undefined
  /** Runs an operation; throws CafeError (404 for unknown ops and for owner ops to non-owners). */
  call (request: ApiRequest, options?: AbortOptions): Promise<unknown>
}

export interface CafeApiInit<S extends ApiServices> {
  services: S
  routes: ReadonlyArray<Route<S>>
  logger: ComponentLogger
  clock?: Clock
  /** the cafe's shared buckets; default a fresh set (with `requests` below) */
  buckets?: RateBuckets
  /** requests per remote; default a burst of 60, then 20 a second */
  requests?: Omit<RateLimiterInit, 'clock'>
}

class DefaultCafeApi<S extends ApiServices> implements CafeApi<S> {
  readonly routes: ReadonlyArray<Route<S>>
  private readonly services: S
  private readonly byOp = new Map<string, Route<S>>()
  private readonly buckets: RateBuckets
  private readonly log: Logger

  constructor (init: CafeApiInit<S>) {
    this.services = init.services
    this.routes = init.routes
    this.log = init.logger.forComponent('cafe:api')
    for (const route of init.routes) {
      if (this.byOp.has(route.op)) throw new Error(`duplicate route op ${route.op}`)
      this.byOp.set(route.op, route)
    }
    this.buckets = init.buckets ?? createRateBuckets({ requests: init.requests }, init.clock)
  }

  route (op: string): Route<S> | undefined {
    return this.byOp.get(op)
  }

  async call (request: ApiRequest, options: AbortOptions = {}): Promise<unknown> {
    const route = typeof request.op === 'string' ? this.byOp.get(request.op) : undefined
    if (route == null || (route.auth === 'owner' && request.owner !== true)) throw new NotFoundError('no such operation')
    const remote = request.remote ?? 'anonymous'
    // counted by the remote's own key: the door's failure limits count the address
    if (request.owner !== true) this.buckets[route.rateLimit ?? 'requests'].take({ remote })

    const raw = request.input ?? {}
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadRequestError('input must be a JSON object', 'INPUT_INVALID')
    const credential = typeof request.auth === 'string' && request.auth !== '' ? request.auth : undefined
    if (route.auth === 'refresh' && credential == null) throw new UnauthorizedError('a refresh token is required', 'SESSION_MISSING')
    // the libp2p door's peer ids cost nothing: count its failures per address too
    const caller = request.remoteAddress == null ? undefined : { remote, address: request.remoteAddress }
    const account = route.auth === 'access'
      ? (await this.services.accounts.authenticate(credential, { signal: options.signal, caller })).account
      : undefined
    const input = route.input(raw as Record<string, unknown>)
    this.log.trace('%s from %s', route.op, account ?? remote)
    return route.handler({ services: this.services, input, account, credential, remote, remoteAddress: request.remoteAddress, signal: options.signal })
  }
}

export function createCafeApi<S extends ApiServices> (init: CafeApiInit<S>): CafeApi<S> {
  return new DefaultCafeApi(init)
}
