/**
 * Every gateway response is built here, so status lines, security headers and error
 * bodies are the same on every route.
 */
import { RateLimitedError, toCafeError } from '../errors.ts'
import { BlockUnavailableError } from './errors.ts'
import type { CafeErrorCode } from '../errors.ts'
import { contentRange } from './range.ts'
import type { ByteRange } from './range.ts'
import type { CID } from 'multiformats/cid'

export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=29030400, immutable'

/**
 * Generated HTML (directory listings, DAG previews) changes with the gateway's code,
 * so it is cached for a week, not forever (the value the conformance suite expects).
 */
export const GENERATED_HTML_CACHE_CONTROL = 'public, max-age=604800, stale-while-revalidate=2678400'

/** For responses whose URL carries a secret (a decryption key): no cache may keep them. */
export const PRIVATE_CACHE_CONTROL = 'private, no-store'

/** How long a client should wait before asking again for content the network did not deliver. */
export const RETRY_AFTER_SECONDS = 30

/**
 * Everything under /ipfs/ shares the cafe's origin, so content runs in an opaque origin
 * (no allow-same-origin): it cannot read the cafe's storage or call its API with cookies.
 */
export const CONTENT_SECURITY_POLICY = 'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads'

/**
 * Sandboxed pages have an opaque origin, so their own subresources under /ipfs/ are
 * cross-origin requests: allow them (the content is public by CID anyway).
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Resource-Policy': 'cross-origin',
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Range, User-Agent, X-Requested-With',
  'Access-Control-Expose-Headers': 'Content-Range, Content-Length, Content-Location, ETag, X-Ipfs-Path, X-Ipfs-Roots, X-Chunked-Output, X-Stream-Output'
}

export interface ContentHeadersInit {
  /** already quoted, e.g. `"bafy..."`; absent on responses that must not be revalidated */
  etag?: string
  /** IMMUTABLE_CACHE_CONTROL unless given */
  cacheControl?: string
  contentType: string
  contentLength?: number
  /** the requested content path, for X-Ipfs-Path */
  ipfsPath: string
  /** CIDs traversed to reach the content, for X-Ipfs-Roots */
  roots?: CID[]
  /** extra headers such as Content-Disposition */
  extra?: Record<string, string>
}

/**
 * Headers of a successful content response. One URL answers a file, a block or a CAR
 * depending on Accept, so every response varies on it (a shared cache must not hand a
 * CAR to a browser that asked for the file).
 */
export function contentHeaders (init: ContentHeadersInit): Headers {
  const headers = new Headers(SECURITY_HEADERS)
  headers.set('Content-Type', init.contentType)
  if (init.etag != null) headers.set('ETag', init.etag)
  headers.set('Cache-Control', init.cacheControl ?? IMMUTABLE_CACHE_CONTROL)
  headers.set('Vary', 'Accept')
  headers.set('X-Ipfs-Path', init.ipfsPath)
  if (init.roots != null && init.roots.length > 0) headers.set('X-Ipfs-Roots', init.roots.join(','))
  if (init.contentLength != null) headers.set('Content-Length', String(init.contentLength))
  for (const [name, value] of Object.entries(init.extra ?? {})) headers.set(name, value)
  return headers
}

export type Body = ReadableStream<Uint8Array> | Blob | Uint8Array | string

export function okResponse (body: Body, headers: Headers): Response {
  return new Response(toBodyInit(body), { status: 200, headers })
}

/** 206 with Content-Range and the slice's Content-Length (and every header of the full response, ETag included). */
export function rangeResponse (body: Body, headers: Headers, range: ByteRange, size: number): Response {
  const h = new Headers(headers)
  h.set('Content-Range', contentRange(range, size))
  h.set('Content-Length', String(range.end - range.start + 1))
  return new Response(toBodyInit(body), { status: 206, headers: h })
}

/** 206 multipart/byteranges: `headers` are the full response's; the body's length is known up front. */
export function multipartRangeResponse (body: Body, headers: Headers, boundary: string, length: number): Response {
  const h = new Headers(headers)
  h.set('Content-Type', `multipart/byteranges; boundary=${boundary}`)
  h.set('Content-Length', String(length))
  return new Response(toBodyInit(body), { status: 206, headers: h })
}

/** 304: the validators and caching headers of the full response, no body. */
export function notModifiedResponse (headers: Headers): Response {
  const h = new Headers(headers)
  h.delete('Content-Length')
  h.delete('Content-Type')
  return new Response(null, { status: 304, headers: h })
}

/** 301 to another path of this gateway (e.g. a directory with its trailing slash). */
export function movedPermanentlyResponse (location: string): Response {
  const headers = new Headers(SECURITY_HEADERS)
  headers.set('Location', location)
  headers.set('Cache-Control', IMMUTABLE_CACHE_CONTROL)
  headers.set('Vary', 'Accept')
  return new Response(null, { status: 301, headers })
}

/** A CORS preflight: what cross-origin pages may send (GET/HEAD with Range). */
export function preflightResponse (): Response {
  const headers = new Headers(SECURITY_HEADERS)
  headers.set('Allow', 'GET, HEAD, OPTIONS')
  headers.set('Access-Control-Max-Age', '86400')
  return new Response(null, { status: 204, headers })
}

/**
 * The JSON error every HTTP door of the cafe answers with, `{ error: { code, message } }`,
 * with the gateway's security headers. Errors are not cached: a missing block may arrive later.
 */
export function errorResponse (status: number, code: CafeErrorCode, message: string, extra: Record<string, string> = {}): Response {
  const headers = new Headers(SECURITY_HEADERS)
  headers.set('Content-Type', 'application/json; charset=utf-8')
  headers.set('Cache-Control', 'no-store')
  for (const [name, value] of Object.entries(extra)) headers.set(name, value)
  return new Response(JSON.stringify({ error: { code, message } }), { status, headers })
}

export function badRequestResponse (message: string, code: CafeErrorCode = 'BAD_REQUEST'): Response {
  return errorResponse(400, code, message)
}

export function notFoundResponse (message = 'not found', code: CafeErrorCode = 'NOT_FOUND'): Response {
  return errorResponse(404, code, message)
}

export function methodNotAllowedResponse (): Response {
  return errorResponse(405, 'METHOD_NOT_ALLOWED', 'method not allowed', { Allow: 'GET, HEAD, OPTIONS' })
}

export function preconditionFailedResponse (message: string): Response {
  return errorResponse(412, 'NOT_CACHED', message)
}

export function rangeNotSatisfiableResponse (size: number): Response {
  return errorResponse(416, 'RANGE_NOT_SATISFIABLE', 'range not satisfiable', { 'Content-Range': `bytes */${size}` })
}

/**
 * Any thrown value as a response: CafeErrors keep their status and code, anything else
 * is a 500. A 504 (the network did not deliver in time) and a 429 say when to retry.
 */
export function errorToResponse (err: unknown): Response {
  const e = toCafeError(err)
  const extra: Record<string, string> = {}
  if (e instanceof RateLimitedError) extra['Retry-After'] = String(e.retryAfterSeconds)
  else if (e.status === 504 || e.status === 502 || e instanceof BlockUnavailableError) extra['Retry-After'] = String(RETRY_AFTER_SECONDS)
  return errorResponse(e.status, e.code, e.message, extra)
}

/** The same status and headers, no body (HEAD). Cancels the body so no block is read. */
export function withoutBody (response: Response): Response {
  void response.body?.cancel().catch(() => {})
  return new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers })
}

/**
 * Whether If-None-Match matches `etag` (weak comparison, RFC 9110 §13.1.2), or is `*`.
 */
export function matchesIfNoneMatch (header: string | null, etag: string): boolean {
  if (header == null) return false
  const wanted = stripWeak(etag)
  return header.split(',').map(t => t.trim()).some(t => t === '*' || stripWeak(t) === wanted)
}

function stripWeak (tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag
}

function toBodyInit (body: Body): BodyInit {
  // the views the exporter and codecs hand out are over plain ArrayBuffers
  return body as BodyInit
}
