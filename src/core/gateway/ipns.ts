/**
 * `/ipns/<name>[/path]`: the name resolves through the records the cafe hosts (the names
 * service) to an `/ipfs/` path, which is then served as any `/ipfs/` request. The answer is
 * mutable: `Cache-Control: public, max-age=<the record's TTL>` (never beyond its validity),
 * and `Last-Modified` when the cafe received the record. X-Ipfs-Path keeps the `/ipns/` path.
 */
import { BadRequestError, NotFoundError } from '../errors.ts'
import { hashId } from '../util/canonical.ts'
import { parseAccept } from './negotiate.ts'
import { contentHeaders, GENERATED_HTML_CACHE_CONTROL, IMMUTABLE_CACHE_CONTROL, matchesIfNoneMatch, notModifiedResponse, okResponse } from './responses.ts'
import { parseGatewayUrl, type GatewayPath } from './parse-url.ts'
import type { AbortOptions, Clock } from '../types.ts'

export const IPNS_PREFIX = '/ipns/'
export const IPNS_RECORD_TYPE = 'application/vnd.ipfs.ipns-record'

/** Records `/ipns/` follows at most this many names deep (a name whose value is another name). */
const MAX_NAME_HOPS = 8

/** What the gateway needs of a hosted name (the names service's reader). */
export interface IpnsResolver {
  /** @throws NotFoundError `NAME_NOT_FOUND` for a name not hosted here, BadRequestError `IPNS_NAME_INVALID` */
  resolve (name: string, options?: AbortOptions): Promise<{ value: string, ttlSeconds: number, validUntil: number, publishedAt: number, record: Uint8Array }>
}

export interface IpnsTarget {
  target: GatewayPath
  cacheControl: string
  lastModified: number
}

/** The `/ipfs/` target of an `/ipns/` URL, and how long its answer may be cached. */
export async function resolveIpnsUrl (url: URL, names: IpnsResolver | undefined, clock: Clock, options: AbortOptions = {}): Promise<IpnsTarget> {
  const [name, ...rest] = url.pathname.slice(IPNS_PREFIX.length).split('/')
  if (names == null) throw new NotFoundError('this gateway hosts no IPNS names', 'NAME_NOT_FOUND')
  let value = `${IPNS_PREFIX}${name}`
  let ttlSeconds = Infinity
  let lastModified = 0
  for (let hop = 0; value.startsWith(IPNS_PREFIX); hop++) {
    if (hop === MAX_NAME_HOPS) throw new NotFoundError(`more than ${MAX_NAME_HOPS} names lead to one another from ${name}`, 'NAME_NOT_FOUND')
    const [next, ...tail] = value.slice(IPNS_PREFIX.length).split('/')
    const found = await names.resolve(decodeName(next), options)
    ttlSeconds = Math.min(ttlSeconds, found.ttlSeconds, Math.max(0, Math.floor((found.validUntil - clock()) / 1000)))
    lastModified = Math.max(lastModified, found.publishedAt)
    value = [found.value.replace(/\/+$/, ''), ...tail].join('/')
  }
  if (!value.startsWith('/ipfs/')) throw new NotFoundError(`the record of ${name} points to ${value.slice(0, 100)}, not to an /ipfs/ path`, 'NAME_NOT_FOUND')
  const path = [value.replace(/\/+$/, ''), ...rest].join('/')
  const target = parseGatewayUrl(new URL(`${path}${url.search}`, url))
  return {
    target: { ...target, ipfsPath: url.pathname, trailingSlash: url.pathname.endsWith('/') },
    cacheControl: `public, max-age=${ttlSeconds}`,
    lastModified
  }
}

/** An `/ipfs/` answer made an `/ipns/` one: its TTL instead of `immutable`, and when the record came. */
export function asMutable (response: Response, ipns: IpnsTarget): Response {
  const headers = new Headers(response.headers)
  const cache = headers.get('Cache-Control')
  if (cache === IMMUTABLE_CACHE_CONTROL || cache === GENERATED_HTML_CACHE_CONTROL) headers.set('Cache-Control', ipns.cacheControl)
  if (ipns.lastModified > 0 && response.status < 400) headers.set('Last-Modified', new Date(ipns.lastModified).toUTCString())
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}

/** `?format=ipns-record`, or an Accept that names the record's type (path gateway spec). */
export function wantsIpnsRecord (url: URL, accept: string | null): boolean {
  if (url.searchParams.get('format') === 'ipns-record') return true
  return parseAccept(accept).some(range => range.type === IPNS_RECORD_TYPE)
}

/**
 * The signed record of `/ipns/<name>` itself, for a client that verifies it: only a name
 * with no path (else 400, as the spec says), with the record's remaining TTL.
 */
export async function ipnsRecordResponse (request: Request, url: URL, names: IpnsResolver | undefined, clock: Clock, options: AbortOptions = {}): Promise<Response> {
  const [name, ...rest] = url.pathname.slice(IPNS_PREFIX.length).split('/')
  if (rest.some(segment => segment !== '')) throw new BadRequestError('an IPNS record is served for /ipns/<name> alone, without a path', 'UNSUPPORTED_FORMAT')
  if (names == null) throw new NotFoundError('this gateway hosts no IPNS names', 'NAME_NOT_FOUND')
  const found = await names.resolve(decodeName(name), options)
  const ttlSeconds = Math.min(found.ttlSeconds, Math.max(0, Math.floor((found.validUntil - clock()) / 1000)))
  const headers = contentHeaders({
    contentType: IPNS_RECORD_TYPE,
    etag: `"${hashId(found.record)}"`,
    cacheControl: `public, max-age=${ttlSeconds}`,
    contentLength: found.record.byteLength,
    ipfsPath: url.pathname,
    extra: {
      'Content-Disposition': `attachment; filename="${name.replace(/[^\w.-]/g, '_')}.ipns-record"`,
      'Last-Modified': new Date(found.publishedAt).toUTCString()
    }
  })
  if (matchesIfNoneMatch(request.headers.get('If-None-Match'), headers.get('ETag') ?? '')) return notModifiedResponse(headers)
  return okResponse(found.record, headers)
}

function decodeName (text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    throw new BadRequestError('malformed percent-encoding in the name', 'IPNS_NAME_INVALID')
  }
}
