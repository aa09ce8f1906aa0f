/**
 * The HTTP doors' one body reader and one family of responses: JSON answers, and
 * errors in the shape a route declares (`ErrorShape`).
 */
import { concat } from 'uint8arrays/concat'
import { BadRequestError, PayloadTooLargeError, RateLimitedError, toCafeError } from '../errors.ts'
import type { ErrorShape } from './route.ts'

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff'
}

/** What a JSON answer is made of: its status, headers and body text (null: no body). */
export interface JsonParts {
  status: number
  headers: Record<string, string>
  text: string | null
}

/** The parts of a JSON answer; no body (204, or the given status) when `body` is undefined. */
export function jsonParts (status: number, body: unknown, headers: Record<string, string> = {}): JsonParts {
  if (body === undefined) return { status: status === 200 ? 204 : status, headers: { 'cache-control': 'no-store', ...headers }, text: null }
  return { status, headers: { ...JSON_HEADERS, ...headers }, text: JSON.stringify(body) }
}

/** Builds the HTTP door's JSON answers (a host that writes them itself may give a lighter Response). */
export type JsonResponder = (parts: JsonParts) => Response

export const standardResponse: JsonResponder = ({ status, headers, text }) => new Response(text, { status, headers })

/** A JSON answer; no body (204, or the given status) when `body` is undefined. */
export function jsonResponse (status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return standardResponse(jsonParts(status, body, headers))
}

/** Where the Pinning Service API's reasons differ from the cafe's codes. */
function pinningReason (code: string): string {
  if (code === 'INTERNAL') return 'INTERNAL_SERVER_ERROR'
  if (code === 'INPUT_INVALID' || code === 'JSON_INVALID') return 'BAD_REQUEST'
  return code
}

/**
 * The JSON error every HTTP door of the cafe answers with: `{ error: { code, message } }`
 * (or the Pinning Service API's Failure for its routes), 429 with Retry-After.
 */
export function errorResponse (err: unknown, headers: Record<string, string> = {}, shape: ErrorShape = 'cafe'): Response {
  const error = toCafeError(err)
  if (error instanceof RateLimitedError) headers = { ...headers, 'retry-after': String(error.retryAfterSeconds) }
  if (shape === 'cafe') return jsonResponse(error.status, { error: error.toJSON() }, headers)
  if (shape === 'pinning-spec' && error.code === 'QUOTA_EXCEEDED') {
    return jsonResponse(409, { error: { reason: 'INSUFFICIENT_FUNDS', details: error.message } }, headers)
  }
  return jsonResponse(error.status, { error: { reason: pinningReason(error.code), details: error.message } }, headers)
}

/** The credential of an `Authorization: Bearer <credential>` header. */
export function bearer (request: Request): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '')
  return match?.[1]
}

/** A request body as chunks; the reader is cancelled when the consumer stops or the signal aborts. */
export async function * bodyChunks (body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
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

/** Reads the body as a JSON object, stopping as soon as it passes `limit` bytes; no body is `{}`. */
export async function readJsonBody (request: Request, limit: number, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const declared = Number(request.headers.get('content-length') ?? NaN)
  if (declared > limit) throw new PayloadTooLargeError(`the body is larger than ${limit} bytes`)
  if (request.body == null) return {}
  const chunks: Uint8Array[] = []
  let length = 0
  for await (const chunk of bodyChunks(request.body, signal)) {
    length += chunk.byteLength
    if (length > limit) throw new PayloadTooLargeError(`the body is larger than ${limit} bytes`)
    chunks.push(chunk)
  }
  if (length === 0) return {}
  let body: unknown
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(concat(chunks, length)))
  } catch {
    throw new BadRequestError('the body is not valid JSON', 'JSON_INVALID')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('the body must be a JSON object', 'JSON_INVALID')
  return body as Record<string, unknown>
}

/** A query string as route input: a repeated parameter becomes a list (`?cid=a&cid=b`). */
export function queryInput (params: URLSearchParams): Record<string, unknown> {
  const input: Record<string, unknown> = {}
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name)
    input[name] = values.length === 1 ? values[0] : values
  }
  return input
}
