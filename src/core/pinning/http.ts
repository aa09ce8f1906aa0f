/**
 * The IPFS Pinning Service API 1.0 over HTTP (https://ipfs.github.io/pinning-services-api-spec/),
 * plus `POST {basePath}/car` for clients that upload their blocks instead of serving them.
 *
 * The caller authenticates (bearer access JWT) and passes the account in; this adapter only
 * routes, parses and shapes. Errors are the spec's `{ error: { reason, details } }`; running
 * out of storage is the spec's 409 INSUFFICIENT_FUNDS on its routes, and 413 QUOTA_EXCEEDED on
 * the CAR upload, which is not part of the spec.
 */
import { BadRequestError, CafeError, NotFoundError, PayloadTooLargeError, toCafeError } from '../errors.ts'
import { decodePathSegment, metaInput } from './validate.ts'
import type { Pin, Pinning, PinQuery, PinState, TextMatch } from './index.ts'
import type { AbortOptions, AccountId } from '../types.ts'

export interface PinningHttpComponents {
  pinning: Pinning
}

export interface PinningHttpInit {
  /** where the API is mounted; a pinning tool is given `{origin}{basePath}` */
  basePath?: string
  /** largest JSON body accepted; default 64 KiB */
  maxJsonBytes?: number
}

export interface PinningHttp {
  /** answer one request under basePath for an authenticated account */
  fetch (request: Request, account: AccountId, options?: AbortOptions): Promise<Response>
}

type Handler = (request: Request, account: AccountId, params: { requestid?: string, url: URL }, options: AbortOptions) => Promise<Response>

const CAR_TYPE = 'application/vnd.ipld.car'
const DEFAULT_MAX_JSON_BYTES = 64 * 1024

class MethodNotAllowedError extends CafeError {
  static override name = 'MethodNotAllowedError'
  override name = 'MethodNotAllowedError'
  readonly allow: string[]
  constructor (allow: string[]) {
    super('method not allowed', 'METHOD_NOT_ALLOWED', 405)
    this.allow = allow
  }
}

function jsonResponse (status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }
  })
}

/** The spec's Failure object. Quota errors use the spec's 409 INSUFFICIENT_FUNDS except where 413 is ours to choose. */
function errorResponse (err: unknown, { specRoute }: { specRoute: boolean }): Response {
  const error = toCafeError(err)
  let status = error.status
  let reason = error.code
  if (error.code === 'QUOTA_EXCEEDED' && specRoute) {
    status = 409
    reason = 'INSUFFICIENT_FUNDS'
  } else if (error.code === 'INTERNAL') {
    reason = 'INTERNAL_SERVER_ERROR'
  }
  const headers: Record<string, string> = error instanceof MethodNotAllowedError ? { allow: error.allow.join(', ') } : {}
  return jsonResponse(status, { error: { reason, details: error.message } }, headers)
}

/** A failure in the Pinning Service API's shape, for callers that fail before the adapter runs (auth). */
export function pinningErrorResponse (err: unknown): Response {
  return errorResponse(err, { specRoute: true })
}

async function * bodyChunks (body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const reader = body.getReader()
  try {
    while (true) {
      signal?.throwIfAborted()
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.cancel().catch(() => {})
    reader.releaseLock()
  }
}

async function readJson (request: Request, maxBytes: number, signal?: AbortSignal): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? 0)
  if (declared > maxBytes) throw new PayloadTooLargeError(`the body may be at most ${maxBytes} bytes`)
  if (request.body == null) throw new BadRequestError('a JSON body is required')
  const chunks: Uint8Array[] = []
  let length = 0
  for await (const chunk of bodyChunks(request.body, signal)) {
    length += chunk.byteLength
    if (length > maxBytes) throw new PayloadTooLargeError(`the body may be at most ${maxBytes} bytes`)
    chunks.push(chunk)
  }
  const bytes = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) { bytes.set(chunk, offset); offset += chunk.byteLength }
  try {
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    throw new BadRequestError('the body is not valid JSON')
  }
}

/** Both `?cid=a&cid=b` (the spec's form) and `?cid=a,b` (older clients). */
function listParam (url: URL, name: string): string[] | undefined {
  const values = url.searchParams.getAll(name).flatMap(v => v.split(',')).map(v => v.trim()).filter(v => v.length > 0)
  return values.length === 0 ? undefined : [...new Set(values)]
}

function timeParam (url: URL, name: string): number | undefined {
  const value = url.searchParams.get(name)
  if (value == null) return undefined
  const time = Date.parse(value)
  if (Number.isNaN(time)) throw new BadRequestError(`${name} must be an RFC 3339 timestamp`)
  return time
}

/** `?meta={"k":"v"}` (the spec) and `?meta[k]=v` (the generated client), merged; malformed is 400. */
function metaParam (url: URL): Record<string, string> | undefined {
  const fields: Record<string, unknown> = {}
  for (const [name, value] of url.searchParams) {
    if (name === 'meta' || name.startsWith('meta[')) fields[name] = value
  }
  return metaInput(fields)
}

/** GET /pins query string to a PinQuery; the service checks the values. */
export function parseListQuery (url: URL): PinQuery {
  const query: PinQuery = {}
  const cid = listParam(url, 'cid')
  if (cid != null) query.cid = cid
  const status = listParam(url, 'status')
  if (status != null) query.status = status as PinState[]
  const name = url.searchParams.get('name')
  if (name != null) query.name = name
  const match = url.searchParams.get('match')
  if (match != null) query.match = match as TextMatch
  const before = timeParam(url, 'before')
  if (before != null) query.before = before
  const after = timeParam(url, 'after')
  if (after != null) query.after = after
  const limit = url.searchParams.get('limit')
  if (limit != null) {
    if (!/^\d{1,7}$/.test(limit)) throw new BadRequestError('limit must be an integer from 1 to 1000')
    query.limit = Number(limit)
  }
  const meta = metaParam(url)
  if (meta != null) query.meta = meta
  return query
}

class DefaultPinningHttp implements PinningHttp {
  private readonly pinning: Pinning
  private readonly basePath: string
  private readonly maxJsonBytes: number
  /** path (after basePath) → method → handler */
  private readonly routes: Array<{ pattern: RegExp, methods: Record<string, Handler>, spec: boolean }>

  constructor (components: PinningHttpComponents, init: PinningHttpInit = {}) {
    this.pinning = components.pinning
    this.basePath = (init.basePath ?? '/api/v0/pinning').replace(/\/$/, '')
    this.maxJsonBytes = init.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES
    this.routes = [
      { pattern: /^\/pins\/?$/, spec: true, methods: { GET: this.listPins, POST: this.addPin } },
      { pattern: /^\/pins\/(?<requestid>[^/]+)$/, spec: true, methods: { GET: this.getPin, POST: this.replacePin, DELETE: this.removePin } },
      { pattern: /^\/car\/?$/, spec: false, methods: { POST: this.uploadCar } }
    ]
  }

  async fetch (request: Request, account: AccountId, options: AbortOptions = {}): Promise<Response> {
    const url = new URL(request.url)
    const path = url.pathname.startsWith(this.basePath + '/') ? url.pathname.slice(this.basePath.length) : undefined
    const route = path == null ? undefined : this.routes.find(r => r.pattern.test(path))
    try {
      if (path == null || route == null) throw new NotFoundError('no such route')
      const handler = route.methods[request.method]
      if (handler == null) throw new MethodNotAllowedError(Object.keys(route.methods))
      const requestid = route.pattern.exec(path)?.groups?.requestid
      const signal = options.signal == null ? request.signal : AbortSignal.any([options.signal, request.signal])
      return await handler.call(this, request, account, { requestid: requestid == null ? undefined : decodePathSegment(requestid, 'requestid'), url }, { signal })
    } catch (err) {
      return errorResponse(err, { specRoute: route?.spec ?? true })
    }
  }

  private async listPins (_request: Request, account: AccountId, { url }: { url: URL }, options: AbortOptions): Promise<Response> {
    return jsonResponse(200, await this.pinning.list(account, parseListQuery(url), options))
  }

  private async addPin (request: Request, account: AccountId, _params: unknown, options: AbortOptions): Promise<Response> {
    const pin = await readJson(request, this.maxJsonBytes, options.signal)
    return jsonResponse(202, await this.pinning.add(account, pin as Pin, options))
  }

  private async getPin (_request: Request, account: AccountId, { requestid }: { requestid?: string }, options: AbortOptions): Promise<Response> {
    return jsonResponse(200, await this.pinning.get(account, requestid ?? '', options))
  }

  private async replacePin (request: Request, account: AccountId, { requestid }: { requestid?: string }, options: AbortOptions): Promise<Response> {
    const pin = await readJson(request, this.maxJsonBytes, options.signal)
    return jsonResponse(202, await this.pinning.replace(account, requestid ?? '', pin as Pin, options))
  }

  private async removePin (_request: Request, account: AccountId, { requestid }: { requestid?: string }, options: AbortOptions): Promise<Response> {
    await this.pinning.remove(account, requestid ?? '', options)
    return new Response(null, { status: 202, headers: { 'cache-control': 'no-store' } })
  }

  /** POST /car?name=...&meta={...}: pins every root of the uploaded CAR at once (200, a PinResults). */
  private async uploadCar (request: Request, account: AccountId, { url }: { url: URL }, options: AbortOptions): Promise<Response> {
    const type = request.headers.get('content-type') ?? ''
    if (type.split(';')[0].trim().toLowerCase() !== CAR_TYPE) {
      throw new CafeError(`the body must be a CAR (${CAR_TYPE})`, 'UNSUPPORTED_MEDIA_TYPE', 415)
    }
    if (request.body == null) throw new BadRequestError('the CAR is missing', 'BODY_MISSING')
    const length = request.headers.get('content-length')
    const results = await this.pinning.importCar(account, bodyChunks(request.body, options.signal), {
      ...options,
      name: url.searchParams.get('name') ?? undefined,
      meta: metaParam(url),
      declaredSize: length != null && /^\d+$/.test(length) ? Number(length) : undefined
    })
    return jsonResponse(200, { count: results.length, results })
  }
}

export function createPinningHttp (components: PinningHttpComponents, init?: PinningHttpInit): PinningHttp {
  return new DefaultPinningHttp(components, init)
}
