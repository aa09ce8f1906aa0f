/**
 * Routes of the pinning service: pins in the cafe's JSON on both doors, the same routes
 * at /api/v0/pinning as the IPFS Pinning Service API 1.0 (its error shape; one input
 * check for both: the query's repeated or comma-separated lists, RFC 3339 or ms times),
 * and the CAR upload as a stream route on both doors.
 */
import { BadRequestError, UnavailableError } from '../errors.ts'
import { defineRoute, defineStreamRoute } from '../api/route.ts'
import { queryInput } from '../api/respond.ts'
import { optionalInteger, optionalString, requiredString } from '../api/validate.ts'
import { metaInput } from './validate.ts'
import type { Pin, Pinning, PinQuery, PinResults, PinStatus } from './index.ts'
import type { Route, StreamRoute } from '../api/route.ts'

export interface PinningRouteServices {
  /** absent on a cafe without a blockstore */
  pinning?: Pinning
}

/** Where the Pinning Service API is mounted; a pinning tool is given `{origin}{PINNING_BASE_PATH}`. */
export const PINNING_BASE_PATH = '/api/v0/pinning'
export const CAR_PROTOCOL = '/cafe/car/1.0.0'
const CAR_TYPE = 'application/vnd.ipld.car'
/** a Pin's JSON (name, origins, meta) */
const MAX_PIN_BODY_BYTES = 64 * 1024

type S = PinningRouteServices
type Raw = Record<string, unknown>

function pinningOf (services: S): Pinning {
  if (services.pinning == null) throw new UnavailableError('this cafe does not store blocks', 'PINNING_UNAVAILABLE')
  return services.pinning
}

/** `?x=a,b`, `?x=a&x=b` or a JSON list; trimmed, without repeats. */
function optionalStringList (raw: Raw, name: string, max: number): string[] | undefined {
  const value = raw[name]
  if (value == null) return undefined
  const list = (Array.isArray(value) ? value : [value]).flatMap(item => typeof item === 'string' ? item.split(',').map(part => part.trim()).filter(part => part !== '') : [item])
  if (list.length > max || !list.every(item => typeof item === 'string' && item.length <= 256)) {
    throw new BadRequestError(`${name} must be a list of at most ${max} strings`, 'INPUT_INVALID')
  }
  return list.length === 0 ? undefined : [...new Set(list as string[])]
}

/** A time as ms since the epoch, or as the spec's RFC 3339 timestamp. */
function optionalTime (raw: Raw, name: string): number | undefined {
  const value = raw[name]
  if (value == null) return undefined
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) return optionalInteger(raw, name) ?? undefined
  const time = typeof value === 'string' ? Date.parse(value) : NaN
  if (Number.isNaN(time)) throw new BadRequestError(`${name} must be an RFC 3339 timestamp or ms since the epoch`, 'INPUT_INVALID')
  return time
}

function optionalMeta (raw: Raw): Record<string, string> | undefined {
  return metaInput(raw, 'INPUT_INVALID')
}

/** A Pin as sent; the pinning service checks it (CID_INVALID, names, origins). Meta may also come as `meta[k]` query fields. */
function pinInput (raw: Raw): Pin {
  return { cid: raw.cid as string, name: raw.name as string | undefined, origins: raw.origins as string[] | undefined, meta: optionalMeta(raw) }
}

function pinQuery (raw: Raw): PinQuery {
  const query: PinQuery = {}
  const cid = optionalStringList(raw, 'cid', 10)
  if (cid != null) query.cid = cid
  const name = optionalString(raw, 'name', 255)
  if (name != null) query.name = name
  if (raw.match != null) query.match = requiredString(raw, 'match', 16) as PinQuery['match']
  const status = optionalStringList(raw, 'status', 4)
  if (status != null) query.status = status as PinQuery['status']
  for (const field of ['before', 'after'] as const) {
    const value = optionalTime(raw, field)
    if (value != null) query[field] = value
  }
  const limit = optionalInteger(raw, 'limit')
  if (limit != null) query.limit = limit
  const meta = optionalMeta(raw)
  if (meta != null) query.meta = meta
  return query
}

/** The spec's PinStatus.info holds strings only: `replicas` goes as JSON text under /api/v0/pinning. */
function specInfo (status: PinStatus): unknown {
  if (status.info.replicas == null) return status
  return { ...status, info: { ...status.info, replicas: JSON.stringify(status.info.replicas) } }
}

function specOutput (output: unknown): unknown {
  const value = output as PinStatus | PinResults
  if ('results' in value) return { ...value, results: value.results.map(specInfo) }
  return specInfo(value)
}

const SPEC_MOUNT = { errors: 'pinning-spec', output: specOutput } as const

/** A `GET /pins` URL's query as a PinQuery. */
export function parseListQuery (url: URL): PinQuery {
  return pinQuery(queryInput(url.searchParams))
}

export const pinningRoutes: Array<Route<S>> = [
  defineRoute({
    op: 'pins.add',
    method: 'POST',
    path: '/api/v0/pins',
    alsoAt: { path: `${PINNING_BASE_PATH}/pins`, ...SPEC_MOUNT },
    auth: 'access',
    status: 202,
    maxBodyBytes: MAX_PIN_BODY_BYTES,
    summary: 'pin a DAG by CID: the cafe fetches it from the origins and connected peers',
    input: pinInput,
    handler: async ({ services, account, input, signal }) => pinningOf(services).add(account, input, { signal })
  }),
  defineRoute({
    op: 'pins.list',
    method: 'GET',
    path: '/api/v0/pins',
    alsoAt: { path: `${PINNING_BASE_PATH}/pins`, ...SPEC_MOUNT },
    auth: 'access',
    summary: 'the account\'s pins, newest first, with the Pinning Service API\'s filters',
    input: pinQuery,
    handler: async ({ services, account, input, signal }) => pinningOf(services).list(account, input, { signal })
  }),
  defineRoute({
    op: 'pins.get',
    method: 'GET',
    path: '/api/v0/pins/:requestid',
    alsoAt: { path: `${PINNING_BASE_PATH}/pins/:requestid`, ...SPEC_MOUNT },
    auth: 'access',
    summary: 'one pin request and its status',
    input: raw => ({ requestid: requiredString(raw, 'requestid', 128) }),
    handler: async ({ services, account, input, signal }) => pinningOf(services).get(account, input.requestid, { signal })
  }),
  defineRoute({
    op: 'pins.replace',
    method: 'POST',
    path: '/api/v0/pins/:requestid',
    alsoAt: { path: `${PINNING_BASE_PATH}/pins/:requestid`, ...SPEC_MOUNT },
    auth: 'access',
    status: 202,
    maxBodyBytes: MAX_PIN_BODY_BYTES,
    summary: 'replace a pin request: a new request id, the old one gone once the new pin holds',
    input: raw => ({ requestid: requiredString(raw, 'requestid', 128), pin: pinInput(raw) }),
    handler: async ({ services, account, input, signal }) => pinningOf(services).replace(account, input.requestid, input.pin, { signal })
  }),
  defineRoute({
    op: 'pins.remove',
    method: 'DELETE',
    path: '/api/v0/pins/:requestid',
    alsoAt: { path: `${PINNING_BASE_PATH}/pins/:requestid`, errors: 'pinning-spec', status: 202 },
    auth: 'access',
    summary: 'unpin; blocks no other pin needs are deleted',
    input: raw => ({ requestid: requiredString(raw, 'requestid', 128) }),
    handler: async ({ services, account, input, signal }) => { await pinningOf(services).remove(account, input.requestid, { signal }) }
  }),
  defineRoute({
    op: 'clients.pins',
    method: 'GET',
    path: '/api/v0/clients/:peer/pins',
    auth: 'owner',
    summary: 'a client\'s pin requests in every status, newest first, for the console',
    input: raw => ({ peer: requiredString(raw, 'peer', 128), ...pinQuery(raw) }),
    handler: async ({ services, input: { peer, ...query }, signal }) => pinningOf(services).list(peer, { status: ['queued', 'pinning', 'pinned', 'failed'], limit: 100, ...query }, { signal })
  })
]

/** The CAR's upload: `POST /api/v0/pinning/car` (the body) or `/cafe/car/1.0.0` (frames after `{ auth, input }`). */
export const carUpload: StreamRoute<S, { name?: string, meta?: Record<string, string> }> = defineStreamRoute({
  op: 'pins.car',
  protocol: CAR_PROTOCOL,
  auth: 'access',
  summary: 'pin every root of an uploaded CAR at once, for clients that cannot serve their blocks',
  rateLimit: 'streams',
  maxInboundStreams: 4,
  timeoutMs: 10 * 60_000,
  http: { method: 'POST', path: `${PINNING_BASE_PATH}/car`, errors: 'pinning-failure', contentType: CAR_TYPE },
  input: raw => ({ name: optionalString(raw, 'name', 255), meta: optionalMeta(raw) }),
  handler: async ({ services, account, input, body, declaredSize, signal }) => {
    const results = await pinningOf(services).importCar(account, body, { ...input, declaredSize, signal })
    return { count: results.length, results }
  }
})
