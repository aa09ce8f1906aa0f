/**
 * Picks the response format from `?format=` (which wins) or the Accept header.
 * undefined means the default, deserialized response (a file, a directory, JSON).
 */
import { BadRequestError } from '../errors.ts'
import { NotAcceptableError } from './errors.ts'

export type ResponseFormat = 'raw' | 'car' | 'dag-json' | 'dag-cbor' | 'json' | 'cbor'

/** `all` (default) sends the whole DAG under the path; `block` only its terminal block. */
export type DagScope = 'all' | 'block'

export const MEDIA_TYPES: Record<ResponseFormat, string> = {
  raw: 'application/vnd.ipld.raw',
  car: 'application/vnd.ipld.car',
  'dag-json': 'application/vnd.ipld.dag-json',
  'dag-cbor': 'application/vnd.ipld.dag-cbor',
  json: 'application/json',
  cbor: 'application/cbor'
}

/**
 * Accept selects only the IPLD-specific types. Plain application/json and
 * application/cbor stay the default response (a JSON file must stay that file); they
 * are reachable with ?format=json|cbor.
 */
const FORMAT_BY_MEDIA_TYPE = new Map<string, ResponseFormat>(
  (['raw', 'car', 'dag-json', 'dag-cbor'] as const).map(f => [MEDIA_TYPES[f], f])
)

/** Media types that name a specific IPFS/IPLD representation; other types accept the default. */
const UNSUPPORTED_SPECIFIC = /^application\/(vnd\.ipld\.|vnd\.ipfs\.|x-tar$)/

interface MediaRange { type: string, params: Map<string, string>, q: number }

/**
 * @throws BadRequestError for an unknown `?format=`, NotAcceptableError (406) when
 * the Accept header lists only representations this gateway cannot produce
 */
export function negotiateFormat (query: URLSearchParams, accept: string | null): ResponseFormat | undefined {
  const format = query.get('format')
  if (format != null) {
    if (!Object.hasOwn(MEDIA_TYPES, format)) {
      throw new BadRequestError(`unsupported format: ${format.slice(0, 50)}`, 'UNSUPPORTED_FORMAT')
    }
    const carVersion = query.get('car-version')
    if (format === 'car' && carVersion != null && carVersion !== '1') {
      throw new BadRequestError('only CARv1 is supported', 'UNSUPPORTED_FORMAT')
    }
    return format as ResponseFormat
  }

  const ranges = parseAccept(accept)
  if (ranges.length === 0) return undefined
  for (const range of ranges) {
    const specific = FORMAT_BY_MEDIA_TYPE.get(range.type)
    if (specific === 'car') {
      if (isSupportedCar(range.params)) return 'car'
    } else if (specific != null) {
      return specific
    } else if (!UNSUPPORTED_SPECIFIC.test(range.type)) {
      return undefined
    }
  }
  throw new NotAcceptableError(`cannot produce any of: ${accept?.slice(0, 200)}`)
}

export function parseDagScope (query: URLSearchParams): DagScope {
  const scope = query.get('dag-scope')
  if (scope == null || scope === 'all' || scope === 'entity') return 'all'
  if (scope === 'block') return 'block'
  throw new BadRequestError(`unsupported dag-scope: ${scope.slice(0, 50)}`, 'UNSUPPORTED_DAG_SCOPE')
}

/** CARv1, blocks in DFS order, no duplicates: what this gateway writes. */
function isSupportedCar (params: Map<string, string>): boolean {
  const version = params.get('version')
  const order = params.get('order')
  const dups = params.get('dups')
  return (version == null || version === '1') &&
    (order == null || order === 'dfs' || order === 'unk') &&
    (dups == null || dups === 'n')
}

/** Media ranges with q > 0, highest q first (stable for equal q). */
function parseAccept (accept: string | null): MediaRange[] {
  if (accept == null || accept.trim() === '') return []
  return accept.split(',')
    .map(part => {
      const [type, ...rawParams] = part.split(';').map(s => s.trim())
      const params = new Map(rawParams.map(p => {
        const i = p.indexOf('=')
        return [p.slice(0, i).trim().toLowerCase(), p.slice(i + 1).trim().replace(/^"|"$/g, '')] as [string, string]
      }))
      const q = params.has('q') ? Number(params.get('q')) : 1
      return { type: type.toLowerCase(), params, q: Number.isNaN(q) ? 0 : q }
    })
    .filter(r => r.type !== '' && r.q > 0)
    .sort((a, b) => b.q - a.q)
}
