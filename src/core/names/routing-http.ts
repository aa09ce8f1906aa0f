/**
 * The Delegated Routing V1 HTTP API (ipfs/specs src/routing/http-routing-v1.md) over the
 * names service's routes:
 *
 * - GET  /routing/v1/ipns/{name}      the hosted record, `application/vnd.ipfs.ipns-record`
 * - PUT  /routing/v1/ipns/{name}      a registered client hosts a record (Bearer access token)
 * - GET  /routing/v1/providers/{cid}  the cafe itself when it stores the CID (JSON or NDJSON)
 * - GET  /routing/v1/peers/{peer-id}  the cafe's own peer record
 *
 * Every answer carries the CORS headers the spec asks for; errors are the cafe's JSON.
 */
import { concat } from 'uint8arrays/concat'
import { bearer, bodyChunks, errorResponse } from '../api/respond.ts'
import { BadRequestError, CafeError, PayloadTooLargeError, toCafeError } from '../errors.ts'
import { IPNS_RECORD_TYPE } from '../gateway/ipns.ts'
import { fromBase64, hashId, toBase64 } from '../util/canonical.ts'
import { MAX_RECORD_BYTES } from './record.ts'
import type { HttpCodec, HttpCodecDoor } from '../api/route.ts'
import type { PeerRecord } from './providers.ts'
import type { ResolvedNameJSON } from './routes.ts'

export { IPNS_RECORD_TYPE }
export const ROUTING_PREFIX = '/routing/v1'
const NDJSON_TYPE = 'application/x-ndjson'

const CORS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, PUT, OPTIONS',
  'access-control-allow-headers': 'Accept, Authorization, Content-Type',
  'access-control-expose-headers': 'Content-Type, Etag, Expires, Last-Modified, Retry-After'
}

/** Results are what this cafe holds now: cached briefly, empty answers shorter (the spec's example). */
const FOUND_MAX_AGE = 300
const EMPTY_MAX_AGE = 15

class NotAcceptableError extends CafeError {
  static override name = 'NotAcceptableError'
  override name = 'NotAcceptableError'
  constructor (message: string) { super(message, 'NOT_ACCEPTABLE', 406) }
}

class NotImplementedError extends CafeError {
  static override name = 'NotImplementedError'
  override name = 'NotImplementedError'
  constructor (message: string) { super(message, 'NOT_IMPLEMENTED', 501) }
}

/** Whether the Accept header lists `type` (any parameters and q-values aside, q=0 excluded). */
function accepts (request: Request, type: string): boolean {
  return (request.headers.get('accept') ?? '').split(',').some(part => {
    const [media, ...params] = part.split(';').map(p => p.trim().toLowerCase())
    return media === type && !params.some(p => /^q=0(\.0*)?$/.test(p))
  })
}

function httpDate (ms: number): string {
  return new Date(ms).toUTCString()
}

async function readRecordBody (request: Request, signal?: AbortSignal): Promise<Uint8Array> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase()
  if (type !== IPNS_RECORD_TYPE) throw new NotAcceptableError(`send the record with Content-Type: ${IPNS_RECORD_TYPE}`)
  if (request.body == null) throw new BadRequestError('the body is missing', 'BODY_MISSING')
  const chunks: Uint8Array[] = []
  let length = 0
  for await (const chunk of bodyChunks(request.body, signal)) {
    length += chunk.byteLength
    if (length > MAX_RECORD_BYTES) throw new PayloadTooLargeError(`an IPNS record may be at most ${MAX_RECORD_BYTES} bytes`, 'RECORD_TOO_LARGE')
    chunks.push(chunk)
  }
  return concat(chunks, length)
}

async function getIpns (door: HttpCodecDoor, request: Request, name: string): Promise<Response> {
  if (!accepts(request, IPNS_RECORD_TYPE)) throw new NotAcceptableError(`ask with Accept: ${IPNS_RECORD_TYPE}`)
  const found = await door.call('names.resolve', { name }) as ResolvedNameJSON
  const record = fromBase64(found.record, 'STORAGE_CORRUPT', 'a stored record')
  const signatureSeconds = Math.max(0, Math.floor((found.validUntil - Date.now()) / 1000))
  return new Response(record as Uint8Array<ArrayBuffer>, {
    status: 200,
    headers: {
      ...CORS,
      'content-type': IPNS_RECORD_TYPE,
      etag: `"${hashId(record)}"`,
      'cache-control': `public, max-age=${Math.min(found.ttlSeconds, signatureSeconds)}, stale-while-revalidate=${signatureSeconds}, stale-if-error=${signatureSeconds}`,
      expires: httpDate(found.validUntil),
      'last-modified': httpDate(found.publishedAt),
      vary: 'Accept'
    }
  })
}

async function putIpns (door: HttpCodecDoor, request: Request, name: string): Promise<Response> {
  const record = await readRecordBody(request, door.signal)
  await door.call('names.publish', { name, record: toBase64(record) }, bearer(request))
  return new Response(null, { status: 200, headers: CORS })
}

/** JSON `{ <key>: [...] }`, or one record a line when the client asked for NDJSON. */
function recordsResponse (request: Request, key: 'Providers' | 'Peers', records: PeerRecord[]): Response {
  const ndjson = accepts(request, NDJSON_TYPE)
  const headers = {
    ...CORS,
    'content-type': ndjson ? NDJSON_TYPE : 'application/json',
    'cache-control': `public, max-age=${records.length > 0 ? FOUND_MAX_AGE : EMPTY_MAX_AGE}`,
    'last-modified': httpDate(Date.now()),
    vary: 'Accept'
  }
  const body = ndjson ? records.map(record => `${JSON.stringify(record)}\n`).join('') : JSON.stringify({ [key]: records })
  return new Response(body, { status: 200, headers })
}

/** Input the providers and peers endpoints cannot read is 422 in this API. */
async function unprocessable<T> (work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (err) {
    const error = toCafeError(err)
    if (error.status === 400) throw new CafeError(error.message, error.code, 422)
    throw err
  }
}

const ENDPOINTS: Record<string, Partial<Record<string, (door: HttpCodecDoor, request: Request, key: string) => Promise<Response>>>> = {
  ipns: { GET: getIpns, HEAD: getIpns, PUT: putIpns },
  providers: {
    GET: async (door, request, cid) => recordsResponse(request, 'Providers',
      (await unprocessable(door.call('routing.providers', { cid })) as { Providers: PeerRecord[] }).Providers)
  },
  peers: {
    GET: async (door, request, peer) => recordsResponse(request, 'Peers',
      (await unprocessable(door.call('routing.peers', { peer })) as { Peers: PeerRecord[] }).Peers)
  }
}

async function answer (request: Request, door: HttpCodecDoor): Promise<Response> {
  const { pathname } = new URL(request.url)
  const [endpoint, key, ...rest] = pathname.slice(ROUTING_PREFIX.length + 1).split('/')
  const methods = ENDPOINTS[endpoint]
  // the spec: an unknown path is 400, a method or path it names that this server lacks 501
  if (methods == null || key == null || key === '' || rest.length > 0) {
    if (endpoint === 'dht') throw new NotImplementedError('this cafe answers no DHT queries')
    throw new BadRequestError(`unknown path: this cafe answers ${ROUTING_PREFIX}/ipns/{name}, /providers/{cid} and /peers/{peer-id}`, 'INPUT_INVALID')
  }
  if (request.method === 'OPTIONS') {
    return new Response(null, { status: 204, headers: { ...CORS, allow: [...Object.keys(methods), 'OPTIONS'].join(', '), 'access-control-max-age': '86400' } })
  }
  const handler = methods[request.method]
  if (handler == null) throw new NotImplementedError(`${request.method} ${ROUTING_PREFIX}/${endpoint}/… is not supported here`)
  let decoded: string
  try {
    decoded = decodeURIComponent(key)
  } catch {
    throw new BadRequestError('the path has a malformed percent escape', 'INPUT_INVALID')
  }
  const response = await handler(door, request, decoded)
  return request.method === 'HEAD' ? new Response(null, { status: response.status, headers: response.headers }) : response
}

export const routingHttp: HttpCodec = {
  prefix: ROUTING_PREFIX,
  summary: 'Delegated Routing V1 HTTP API: IPNS records, providers and peers',
  async fetch (request, door) {
    try {
      return await answer(request, door)
    } catch (err) {
      return errorResponse(err, CORS)
    }
  }
}
