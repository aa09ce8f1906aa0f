/**
 * Checks client input against the Pinning Service API's limits before anything is stored.
 */
import { BadRequestError } from '../errors.ts'
import { parseCid as parseAnyCid } from '../util/cid.ts'
import type { CafeErrorCode } from '../errors.ts'
import { PIN_STATES, TEXT_MATCHES } from './pin-status.ts'
import type { Pin, PinQuery } from './pin-status.ts'
import type { CID } from 'multiformats/cid'

export const MAX_NAME_LENGTH = 255
export const MAX_ORIGINS = 20
export const MAX_META_KEYS = 1000
export const MAX_META_LENGTH = 1024
export const MAX_CID_FILTER = 10
export const DEFAULT_LIMIT = 10
export const MAX_LIMIT = 1000

/** A pin's CID, at most 256 characters. */
export function parseCid (value: unknown): CID {
  return parseAnyCid(value, { maxLength: 256 })
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return value != null && typeof value === 'object' && !Array.isArray(value)
}

export function validateName (name: unknown): string | undefined {
  if (name == null) return undefined
  if (typeof name !== 'string' || name.length > MAX_NAME_LENGTH) {
    throw new BadRequestError(`name must be a string of at most ${MAX_NAME_LENGTH} characters`)
  }
  return name
}

export function validateMeta (meta: unknown): Record<string, string> | undefined {
  if (meta == null) return undefined
  if (!isRecord(meta)) throw new BadRequestError('meta must be an object of strings')
  const entries = Object.entries(meta)
  if (entries.length > MAX_META_KEYS) throw new BadRequestError(`meta may have at most ${MAX_META_KEYS} keys`)
  const out: Record<string, string> = {}
  for (const [key, value] of entries) {
    if (typeof value !== 'string' || key.length > MAX_META_LENGTH || value.length > MAX_META_LENGTH) {
      throw new BadRequestError(`meta values must be strings of at most ${MAX_META_LENGTH} characters`)
    }
    out[key] = value
  }
  return out
}

const META_FIELD = /^meta\[(.+)\]$/s

/**
 * The meta filter or field of a request's input: `meta` as a JSON object (or its JSON text,
 * the spec's query form), and `meta[key]=value` fields, the form the OpenAPI-generated
 * @ipfs-shipyard/pinning-service-client sends. Both may be given; anything malformed is 400.
 */
export function metaInput (raw: Record<string, unknown>, code: CafeErrorCode = 'BAD_REQUEST'): Record<string, string> | undefined {
  let meta: Record<string, unknown> | undefined
  if (raw.meta != null) {
    let value = raw.meta
    if (typeof value === 'string') {
      try { value = JSON.parse(value) } catch { throw new BadRequestError('meta must be a JSON object of strings', code) }
    }
    if (!isRecord(value)) throw new BadRequestError('meta must be a JSON object of strings', code)
    meta = { ...value }
  }
  for (const [name, value] of Object.entries(raw)) {
    const key = META_FIELD.exec(name)?.[1]
    if (key == null) continue
    meta ??= {}
    meta[key] = value
  }
  if (meta == null) return undefined
  try {
    return validateMeta(meta)
  } catch (err) {
    throw new BadRequestError((err as Error).message, code)
  }
}

/** A path segment's percent escapes decoded; a malformed escape is 400, not a thrown URIError. */
export function decodePathSegment (segment: string, name: string, code: CafeErrorCode = 'BAD_REQUEST'): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new BadRequestError(`${name} has a malformed percent escape`, code)
  }
}

function validateOrigins (origins: unknown): string[] {
  if (origins == null) return []
  if (!Array.isArray(origins) || origins.length > MAX_ORIGINS || origins.some(o => typeof o !== 'string' || !o.startsWith('/') || o.length > 1024)) {
    throw new BadRequestError(`origins must be at most ${MAX_ORIGINS} multiaddr strings`)
  }
  return [...new Set(origins as string[])]
}

/** A Pin as received (JSON), normalised; the CID parsed. */
export function validatePin (input: unknown): { pin: Pin, cid: CID } {
  if (!isRecord(input)) throw new BadRequestError('the body must be a Pin object')
  const cid = parseCid(input.cid)
  const pin: Pin = { cid: cid.toString(), origins: validateOrigins(input.origins) }
  const name = validateName(input.name)
  if (name != null) pin.name = name
  const meta = validateMeta(input.meta)
  if (meta != null) pin.meta = meta
  return { pin, cid }
}

/** A list query with the spec's defaults filled in. */
export function validateQuery (query: PinQuery): Required<Pick<PinQuery, 'match' | 'status' | 'limit'>> & PinQuery {
  const limit = query.limit ?? DEFAULT_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new BadRequestError(`limit must be an integer from 1 to ${MAX_LIMIT}`)
  }
  const match = query.match ?? 'exact'
  if (!TEXT_MATCHES.includes(match)) throw new BadRequestError(`match must be one of ${TEXT_MATCHES.join(', ')}`)
  const status = query.status ?? ['pinned']
  if (status.length === 0 || status.some(s => !PIN_STATES.includes(s))) {
    throw new BadRequestError(`status must be a list of ${PIN_STATES.join(', ')}`)
  }
  if (query.cid != null) {
    if (query.cid.length === 0 || query.cid.length > MAX_CID_FILTER) {
      throw new BadRequestError(`cid takes 1 to ${MAX_CID_FILTER} CIDs`)
    }
    query.cid.forEach(parseCid)
  }
  for (const time of [query.before, query.after]) {
    if (time != null && !Number.isFinite(time)) throw new BadRequestError('before and after must be timestamps')
  }
  validateName(query.name)
  validateMeta(query.meta)
  return { ...query, limit, match, status }
}
