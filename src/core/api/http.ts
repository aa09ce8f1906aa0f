/**
 * The HTTP door: `fetch(Request) → Response`, so a Service Worker, a Node
 * server or a test can mount it. JSON in and out; errors are
 * `{ "error": { "code", "message" } }` with the matching status. It reads the
 * body within the route's limit, checks the owner secret, and hands the rest
 * to `CafeApi.call`. It never throws.
 */
import { BadRequestError, NotFoundError, PayloadTooLargeError, RateLimitedError, UnauthorizedError, toCafeError } from '../errors.ts'
import { constantTimeEqual } from '../accounts/crypto.ts'
import { HttpRouteTable } from './http-routes.ts'
import { redactError, redactUrl } from '../util/redact-url.ts'
import { DEFAULT_MAX_BODY_BYTES } from './route.ts'
import type { CafeApi } from './api.ts'
import type { Route } from './route.ts'
import type { CafeError } from '../errors.ts'
import type { ComponentLogger } from '../types.ts'
import type { Logger } from '@libp2p/interface'

export interface HttpApiInit {
  /**
   * The owner's secret for owner routes (`Authorization: Bearer <secret>`).
   * Without one, owner routes answer 404: the browser cafe's owner uses the
   * console's own channel instead, out of reach of pages the cafe serves.
   */
  ownerSecret?: string
  logger: ComponentLogger
}

export interface HttpRequestOptions {
  /** who is asking (client id, address), for rate limits */
  remote?: string
  signal?: AbortSignal
}

export interface HttpApi {
  fetch (request: Request, options?: HttpRequestOptions): Promise<Response>
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff'
}

function jsonResponse (status: number, body: unknown, headers: Record<string, string> = {}): Response {
  if (body === undefined) return new Response(null, { status: status === 200 ? 204 : status, headers: { 'cache-control': 'no-store', ...headers } })
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } })
}

/** The JSON error every HTTP door of the cafe answers with: `{ error: { code, message } }`, 429 with Retry-After. */
export function errorResponse (err: CafeError, headers: Record<string, string> = {}): Response {
  if (err instanceof RateLimitedError) headers = { ...headers, 'retry-after': String(err.retryAfterSeconds) }
  return jsonResponse(err.status, { error: err.toJSON() }, headers)
}

/** The credential of an `Authorization: Bearer <credential>` header. */
export function bearer (request: Request): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '')
  return match?.[1]
}

/** Reads the body as JSON, stopping as soon as it passes `limit` bytes. */
async function readJsonBody (request: Request, limit: number): Promise<Record<string, unknown>> {
  const declared = Number(request.headers.get('content-length') ?? NaN)
  if (declared > limit) throw new PayloadTooLargeError(`the body is larger than ${limit} bytes`)
  if (request.body == null) return {}
  const chunks: Uint8Array[] = []
  let length = 0
  const reader = request.body.getReader()
  try {
    while (true) {
      const { done, value } = await reader.read()
      if (done) break
      length += value.byteLength
      if (length > limit) throw new PayloadTooLargeError(`the body is larger than ${limit} bytes`)
      chunks.push(value)
    }
  } finally {
    reader.cancel().catch(() => {})
  }
  if (length === 0) return {}
  const bytes = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) { bytes.set(chunk, offset); offset += chunk.byteLength }
  let body: unknown
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new BadRequestError('the body is not valid JSON', 'JSON_INVALID')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('the body must be a JSON object', 'JSON_INVALID')
  return body as Record<string, unknown>
}

class DefaultHttpApi implements HttpApi {
  private readonly api: CafeApi<any>
  private readonly table: HttpRouteTable<Route>
  private readonly ownerSecret?: string
  private readonly log: Logger

  constructor (api: CafeApi<any>, init: HttpApiInit) {
    this.api = api
    this.ownerSecret = init.ownerSecret != null && init.ownerSecret !== '' ? init.ownerSecret : undefined
    // without an owner secret, owner routes do not exist on this door
    this.table = new HttpRouteTable(api.routes.filter(route => route.auth !== 'owner' || this.ownerSecret != null))
    this.log = init.logger.forComponent('cafe:api:http')
  }

  async fetch (request: Request, options: HttpRequestOptions = {}): Promise<Response> {
    try {
      const url = new URL(request.url)
      try {
        decodeURIComponent(url.pathname)
      } catch {
        throw new BadRequestError('the path has a malformed percent escape', 'INPUT_INVALID')
      }
      const lookup = this.table.lookup(request.method, url.pathname)
      if (!lookup.found) {
        if (lookup.allowed.length === 0) return errorResponse(new NotFoundError('no such route'))
        return jsonResponse(405, { error: { code: 'METHOD_NOT_ALLOWED', message: `use ${lookup.allowed.join(', ')}` } }, { allow: lookup.allowed.join(', ') })
      }
      const { route, params } = lookup.match
      const credential = bearer(request)
      const owner = route.auth === 'owner'
      if (owner && (credential == null || !constantTimeEqual(credential, this.ownerSecret ?? ''))) {
        throw new UnauthorizedError('owner routes need the owner secret', 'OWNER_SECRET_INVALID')
      }
      const body = request.method === 'GET' ? {} : await readJsonBody(request, route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES)
      const query = Object.fromEntries(url.searchParams)
      const output = await this.api.call({
        op: route.op,
        input: { ...query, ...body, ...params },
        auth: owner ? undefined : credential,
        owner,
        remote: options.remote
      }, { signal: options.signal ?? request.signal })
      return jsonResponse(output === undefined ? 204 : (route.status ?? 200), output)
    } catch (err) {
      const error = toCafeError(err)
      if (error.status >= 500) this.log.error('%s %s failed - %s', request.method, redactUrl(request.url), redactError(err))
      return errorResponse(error)
    }
  }
}

export function createHttpApi (api: CafeApi<any>, init: HttpApiInit): HttpApi {
  return new DefaultHttpApi(api, init)
}
