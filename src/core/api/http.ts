/**
 * The HTTP door: `fetch(Request) → Response`, so a Service Worker, a Node
 * server or a test can mount it. It serves every registry entry with an HTTP
 * path: routes (JSON in and out, read within the route's limit, handed to
 * `CafeApi.call`) and stream routes' uploads (the body is the stream). Errors
 * are `{ "error": { "code", "message" } }`, or the shape the route declares
 * (the Pinning Service API's `{ reason, details }`). It never throws.
 */
import { BadRequestError, CafeError, NotFoundError, UnauthorizedError, toCafeError } from '../errors.ts'
import { constantTimeEqual } from '../accounts/crypto.ts'
import { HttpRouteTable } from './http-routes.ts'
import { redactError, redactUrl } from '../util/redact-url.ts'
import { bearer, bodyChunks, errorResponse, jsonParts, queryInput, readJsonBody, standardResponse } from './respond.ts'
import { createRateBuckets } from './buckets.ts'
import { DEFAULT_MAX_BODY_BYTES } from './route.ts'
import type { RateBuckets } from './buckets.ts'
import type { JsonResponder } from './respond.ts'
import type { CafeApi } from './api.ts'
import type { ErrorShape, HttpCodec, HttpMethod, RateBucket, Route, StreamRoute } from './route.ts'
import type { AccountService } from '../accounts/accounts.ts'
import type { ComponentLogger } from '../types.ts'
import type { Logger } from '@libp2p/interface'

export { bearer, errorResponse } from './respond.ts'

export interface HttpApiInit {
  /**
   * The owner's secret for owner routes (`Authorization: Bearer <secret>`).
   * Without one, owner routes answer 404: the browser cafe's owner uses the
   * console's own channel instead, out of reach of pages the cafe serves.
   */
  ownerSecret?: string
  logger: ComponentLogger
  /** stream routes with an HTTP upload route (they need `accounts` to authenticate) */
  streams?: ReadonlyArray<StreamRoute<any>>
  accounts?: AccountService
  /** the cafe's shared buckets, for stream routes */
  buckets?: RateBuckets
  /** the error shape of the door's own answers under a path prefix */
  mounts?: ReadonlyArray<{ prefix: string, errors: ErrorShape }>
  /** what stream routes' handlers get as `services` */
  services?: unknown
  /** APIs with their own wire format under a path prefix (the Delegated Routing API) */
  codecs?: ReadonlyArray<HttpCodec>
  /**
   * Builds the routes' JSON answers; default a standard Response. A host that writes answers
   * to its own sockets (the headless server) may give a lighter object with the same interface.
   */
  respond?: JsonResponder
}

export interface HttpRequestOptions {
  /** who is asking (client id, address), for rate limits */
  remote?: string
  signal?: AbortSignal
}

export interface HttpApi {
  fetch (request: Request, options?: HttpRequestOptions): Promise<Response>
  /** the op of the registry entry this method and path reach (metrics label it by op, not by path) */
  routeOf (method: string, pathname: string): string | undefined
}

/** One mounted path of a registry entry: a route (or its `alsoAt`) or a stream route's upload. */
type Mounted =
  | { kind: 'route', method: HttpMethod, path: string, errors: ErrorShape, route: Route, status?: number, output?: (output: unknown) => unknown }
  | { kind: 'stream', method: HttpMethod, path: string, errors: ErrorShape, route: StreamRoute, contentType: string, rateLimit: RateBucket }

const METHOD_ORDER: HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE']

class MethodNotAllowedError extends CafeError {
  static override name = 'MethodNotAllowedError'
  override name = 'MethodNotAllowedError'
  constructor (allowed: string[]) { super(`use ${allowed.join(', ')}`, 'METHOD_NOT_ALLOWED', 405) }
}

class DefaultHttpApi implements HttpApi {
  private readonly api: CafeApi<any>
  private readonly table: HttpRouteTable<Mounted>
  private readonly ownerSecret?: string
  private readonly init: HttpApiInit
  private readonly buckets: RateBuckets
  private readonly log: Logger
  private readonly respond: JsonResponder

  constructor (api: CafeApi<any>, init: HttpApiInit) {
    this.api = api
    this.respond = init.respond ?? standardResponse
    this.init = init
    this.ownerSecret = init.ownerSecret != null && init.ownerSecret !== '' ? init.ownerSecret : undefined
    this.buckets = init.buckets ?? createRateBuckets()
    const mounted: Mounted[] = []
    // without an owner secret, owner routes do not exist on this door
    for (const route of api.routes.filter(route => route.auth !== 'owner' || this.ownerSecret != null)) {
      mounted.push({ kind: 'route', method: route.method, path: route.path, errors: route.errors ?? 'cafe', route })
      if (route.alsoAt != null) mounted.push({ kind: 'route', method: route.method, path: route.alsoAt.path, errors: route.alsoAt.errors, route, status: route.alsoAt.status, output: route.alsoAt.output })
    }
    for (const route of init.streams ?? []) {
      if (route.http != null) mounted.push({ kind: 'stream', method: route.http.method, path: route.http.path, errors: route.http.errors ?? 'cafe', route, contentType: route.http.contentType, rateLimit: route.http.rateLimit ?? 'requests' })
    }
    this.table = new HttpRouteTable(mounted)
    this.log = init.logger.forComponent('cafe:api:http')
  }

  routeOf (method: string, pathname: string): string | undefined {
    const lookup = this.table.lookup(method, pathname)
    return lookup.found ? lookup.match.route.route.op : undefined
  }

  /** The error shape of the door's own answers for a path no route matched. */
  private shapeOf (pathname: string): ErrorShape {
    return this.init.mounts?.find(({ prefix }) => pathname === prefix || pathname.startsWith(`${prefix}/`))?.errors ?? 'cafe'
  }

  async fetch (request: Request, options: HttpRequestOptions = {}): Promise<Response> {
    let shape: ErrorShape = 'cafe'
    try {
      const url = new URL(request.url)
      shape = this.shapeOf(url.pathname)
      try {
        decodeURIComponent(url.pathname)
      } catch {
        throw new BadRequestError('the path has a malformed percent escape', 'INPUT_INVALID')
      }
      const codec = this.init.codecs?.find(({ prefix }) => url.pathname === prefix || url.pathname.startsWith(`${prefix}/`))
      if (codec != null) {
        const signal = options.signal ?? request.signal
        return await codec.fetch(request, {
          call: async (op, input, auth) => this.api.call({ op, input, auth, remote: options.remote }, { signal }),
          signal
        })
      }
      const lookup = this.table.lookup(request.method, url.pathname)
      if (!lookup.found) {
        if (lookup.allowed.length === 0) throw new NotFoundError('no such route')
        const allowed = METHOD_ORDER.filter(method => lookup.allowed.includes(method))
        return errorResponse(new MethodNotAllowedError(allowed), { allow: allowed.join(', ') }, shape)
      }
      const { route: mounted, params } = lookup.match
      shape = mounted.errors
      const signal = options.signal ?? request.signal
      if (mounted.kind === 'stream') return await this.upload(mounted, request, url, params, options.remote, signal)
      const { route } = mounted
      const credential = bearer(request)
      const owner = route.auth === 'owner'
      if (owner && (credential == null || !constantTimeEqual(credential, this.ownerSecret ?? ''))) {
        throw new UnauthorizedError('owner routes need the owner secret', 'OWNER_SECRET_INVALID')
      }
      const body = request.method === 'GET' ? {} : await readJsonBody(request, route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, signal)
      const output = await this.api.call({
        op: route.op,
        input: { ...queryInput(url.searchParams), ...body, ...params },
        auth: owner ? undefined : credential,
        owner,
        remote: options.remote
      }, { signal })
      return this.respond(jsonParts(mounted.status ?? (output === undefined ? 204 : (route.status ?? 200)), mounted.output == null ? output : mounted.output(output)))
    } catch (err) {
      const error = toCafeError(err)
      if (error.status >= 500) this.log.error('%s %s failed - %s', request.method, redactUrl(request.url), redactError(err))
      return errorResponse(error, {}, shape)
    }
  }

  /** A stream route's HTTP upload: the bucket, the token, then the body as the stream. */
  private async upload (mounted: Extract<Mounted, { kind: 'stream' }>, request: Request, url: URL, params: Record<string, string>, remote: string | undefined, signal: AbortSignal): Promise<Response> {
    const { route } = mounted
    const accounts = this.init.accounts
    if (accounts == null) throw new NotFoundError('no such route')
    const caller = { remote: remote ?? 'anonymous' }
    this.buckets[mounted.rateLimit].take(caller)
    const session = await accounts.authenticate(bearer(request), { signal })
    const type = request.headers.get('content-type') ?? ''
    if (type.split(';')[0].trim().toLowerCase() !== mounted.contentType) {
      throw new CafeError(`the body must be ${mounted.contentType}`, 'UNSUPPORTED_MEDIA_TYPE', 415)
    }
    if (request.body == null) throw new BadRequestError('the body is missing', 'BODY_MISSING')
    const input = route.input({ ...queryInput(url.searchParams), ...params })
    const length = request.headers.get('content-length')
    const output = await route.handler({
      services: this.init.services,
      input,
      account: session.account,
      expiresAt: session.expiresAt,
      credential: undefined,
      remote: caller.remote,
      signal,
      body: bodyChunks(request.body, signal),
      declaredSize: length != null && /^\d+$/.test(length) ? Number(length) : undefined
    })
    return this.respond(jsonParts(200, output))
  }
}

export function createHttpApi (api: CafeApi<any>, init: HttpApiInit): HttpApi {
  return new DefaultHttpApi(api, init)
}
