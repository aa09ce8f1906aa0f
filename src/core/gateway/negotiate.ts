/**
 * What a request may be answered with. `?format=` wins over `Accept` (path and
 * trustless gateway specs); `Accept` is read by q value into a list of candidates, and
 * the first one the content can be served as is picked once the path is resolved
 * (a dag-cbor block asked for with `Accept: application/vnd.ipld.dag-json, *\/*` gets
 * its own bytes, not a 406). CAR parameters: `car-version`, `car-order`, `car-dups`
 * from the query, else the `version`, `order`, `dups` of the Accept media range.
 */
import { BadRequestError } from '../errors.ts'
import { NotAcceptableError } from './errors.ts'

export type ResponseFormat = 'raw' | 'car' | 'dag-json' | 'dag-cbor' | 'json' | 'cbor'

/** a format, `html` (a human view of IPLD data), or the default (deserialized) response */
export type Candidate = ResponseFormat | 'html' | 'default'

/** `all` (default) sends the whole DAG under the path; `entity` the entity it names; `block` only its terminal block. */
export type DagScope = 'all' | 'entity' | 'block'

export const MEDIA_TYPES: Record<ResponseFormat, string> = {
  raw: 'application/vnd.ipld.raw',
  car: 'application/vnd.ipld.car',
  'dag-json': 'application/vnd.ipld.dag-json',
  'dag-cbor': 'application/vnd.ipld.dag-cbor',
  json: 'application/json',
  cbor: 'application/cbor'
}

export const TRUSTLESS_FORMATS: ReadonlySet<Candidate> = new Set(['raw', 'car'])

const FORMAT_BY_MEDIA_TYPE = new Map<string, ResponseFormat>(
  (Object.keys(MEDIA_TYPES) as ResponseFormat[]).map(f => [MEDIA_TYPES[f], f])
)

/** Media types that name a specific IPFS/IPLD representation this gateway cannot produce. */
const UNSUPPORTED_SPECIFIC = /^application\/(vnd\.ipld\.|vnd\.ipfs\.|x-tar$)/

export interface CarParams {
  /** blocks in depth-first order: always, `order=unk` is answered with dfs */
  order: 'dfs'
  /** duplicate blocks sent every time they occur in the walk */
  dups: boolean
  /** the parameters the request gave, by query or Accept, with the value in force (for Content-Location) */
  given: Array<['car-order' | 'car-dups', string]>
  /** Accept gave CAR parameters */
  fromAccept: boolean
}

export interface FormatRequest {
  /** best first; never empty */
  candidates: Candidate[]
  /** the format came from the query (`?format=`) */
  explicit: boolean
  /** Accept names a specific format (raw, CAR, a codec type) */
  acceptNamesFormat: boolean
  car: CarParams
}

interface MediaRange { type: string, params: Map<string, string>, q: number }

/**
 * @throws BadRequestError for an unknown `?format=` or CAR parameter, NotAcceptableError
 * (406) when the Accept header lists only representations this gateway cannot produce
 */
export function parseFormatRequest (query: URLSearchParams, accept: string | null): FormatRequest {
  const ranges = parseAccept(accept)
  const carRange = ranges.find(r => r.type === MEDIA_TYPES.car && isSupportedCar(r.params))
  const car = carParams(query, carRange)

  const acceptNamesFormat = ranges.some(r => FORMAT_BY_MEDIA_TYPE.has(r.type))
  const format = query.get('format')
  if (format != null) {
    if (!Object.hasOwn(MEDIA_TYPES, format)) {
      throw new BadRequestError(`unsupported format: ${format.slice(0, 50)}`, 'UNSUPPORTED_FORMAT')
    }
    return { candidates: [format as ResponseFormat], explicit: true, acceptNamesFormat, car }
  }

  if (ranges.length === 0) return { candidates: ['default'], explicit: false, acceptNamesFormat, car }
  const candidates: Candidate[] = []
  for (const range of ranges) {
    const candidate = candidateFor(range)
    if (candidate != null && !candidates.includes(candidate)) candidates.push(candidate)
  }
  if (candidates.length === 0) throw new NotAcceptableError(`cannot produce any of: ${accept?.slice(0, 200)}`)
  return { candidates, explicit: false, acceptNamesFormat, car }
}

function candidateFor (range: MediaRange): Candidate | undefined {
  const format = FORMAT_BY_MEDIA_TYPE.get(range.type)
  if (format === 'car') return isSupportedCar(range.params) ? 'car' : undefined
  if (format != null) return format
  if (range.type === 'text/html' || range.type === 'application/xhtml+xml') return 'html'
  if (UNSUPPORTED_SPECIFIC.test(range.type)) return undefined
  return 'default'
}

function carParams (query: URLSearchParams, accepted: MediaRange | undefined): CarParams {
  const version = query.get('car-version')
  if (version != null && version !== '1') throw new BadRequestError('only CARv1 is supported (car-version=1)', 'UNSUPPORTED_CAR_VERSION')
  const order = query.get('car-order')
  if (order != null && order !== 'dfs' && order !== 'unk') throw new BadRequestError(`unsupported car-order: ${order.slice(0, 20)}`, 'UNSUPPORTED_CAR_ORDER')
  const dups = query.get('car-dups')
  if (dups != null && dups !== 'y' && dups !== 'n') throw new BadRequestError(`unsupported car-dups: ${dups.slice(0, 20)}`, 'UNSUPPORTED_CAR_DUPS')

  const acceptedOrder = accepted?.params.get('order')
  const acceptedDups = accepted?.params.get('dups')
  const given: CarParams['given'] = []
  // any order asked for is answered in dfs
  if (order != null || (acceptedOrder != null && acceptedOrder !== '')) given.push(['car-order', 'dfs'])
  const effectiveDups = dups ?? acceptedDups
  if (effectiveDups != null) given.push(['car-dups', effectiveDups])
  return { order: 'dfs', dups: effectiveDups === 'y', given, fromAccept: acceptedOrder != null || acceptedDups != null }
}

/** `dag-scope`, default `all` (`entity` when `entity-bytes` is given). */
export function parseDagScope (query: URLSearchParams): DagScope {
  const scope = query.get('dag-scope')
  if (scope == null) return query.has('entity-bytes') ? 'entity' : 'all'
  if (scope === 'all' || scope === 'entity' || scope === 'block') return scope
  throw new BadRequestError(`unsupported dag-scope: ${scope.slice(0, 50)}`, 'UNSUPPORTED_DAG_SCOPE')
}

/** `entity-bytes=from:to`: offsets may be negative (from the end), `to` may be `*` (the end). */
export interface EntityBytes {
  from: number
  to: number | '*'
}

export function parseEntityBytes (query: URLSearchParams): EntityBytes | undefined {
  const value = query.get('entity-bytes')
  if (value == null) return undefined
  const match = /^(-?\d{1,16}):(-?\d{1,16}|\*)$/.exec(value)
  if (match == null) throw new BadRequestError(`malformed entity-bytes: ${value.slice(0, 50)}`, 'ENTITY_BYTES_INVALID')
  const from = Number(match[1])
  const to = match[2] === '*' ? '*' : Number(match[2])
  if (to !== '*' && from >= 0 && to >= 0 && to < from) {
    throw new BadRequestError(`entity-bytes ends before it starts: ${value}`, 'ENTITY_BYTES_INVALID')
  }
  return { from, to }
}

/**
 * The inclusive byte span of `bytes` in an entity of `size`: 'outside' when it lies
 * wholly before or after the entity (400), 'empty' when it resolves to no byte (the
 * response is then as for dag-scope=block).
 */
export function resolveEntityBytes (bytes: EntityBytes, size: number): { start: number, end: number } | 'outside' | 'empty' {
  const start = bytes.from < 0 ? Math.max(0, size + bytes.from) : bytes.from
  const last = bytes.to === '*' ? size - 1 : bytes.to < 0 ? size + bytes.to : bytes.to
  if (start >= size || last < 0) return 'outside'
  const end = Math.min(last, size - 1)
  if (start > end) return 'empty'
  return { start, end }
}

/** CARv1, blocks in DFS order (unk accepts it), duplicates or not: what this gateway writes. */
function isSupportedCar (params: Map<string, string>): boolean {
  const version = params.get('version')
  const order = params.get('order')
  const dups = params.get('dups')
  return (version == null || version === '1') &&
    (order == null || order === '' || order === 'dfs' || order === 'unk') &&
    (dups == null || dups === 'n' || dups === 'y')
}

/** Media ranges with q > 0, highest q first (stable for equal q). */
export function parseAccept (accept: string | null): MediaRange[] {
  if (accept == null || accept.trim() === '') return []
  return accept.split(',')
    .map(part => {
      const [type, ...rawParams] = part.split(';').map(s => s.trim())
      const params = new Map(rawParams.filter(p => p.includes('=')).map(p => {
        const i = p.indexOf('=')
        return [p.slice(0, i).trim().toLowerCase(), p.slice(i + 1).trim().replace(/^"|"$/g, '')] as [string, string]
      }))
      const q = params.has('q') ? Number(params.get('q')) : 1
      return { type: type.toLowerCase(), params, q: Number.isNaN(q) ? 0 : q }
    })
    .filter(r => r.type !== '' && r.q > 0)
    .sort((a, b) => b.q - a.q)
}
