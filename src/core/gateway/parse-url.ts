/**
 * Splits a path gateway URL `/ipfs/<cid>[/path][?query]` into its parts.
 * The CID may be v0 or v1 in any multibase `multiformats/basics` knows.
 */
import { bases } from 'multiformats/basics'
import { CID } from 'multiformats/cid'
import { BadRequestError, InvalidCIDError, NotFoundError } from '../errors.ts'
import type { MultibaseDecoder } from 'multiformats/bases/interface'

export interface GatewayPath {
  cid: CID
  /** decoded path segments after the CID, empty ones dropped */
  segments: string[]
  /** whether the URL path ends with '/' (directories must) */
  trailingSlash: boolean
  /** the content path as requested (still percent-encoded), for X-Ipfs-Path */
  ipfsPath: string
  query: URLSearchParams
}

const PREFIX = '/ipfs/'

/** Deeper paths are refused (trustless gateway spec: bound path traversal work). */
export const MAX_PATH_SEGMENTS = 256

const ALL_BASES = Object.values(bases)

/** CID.parse knows base58btc, base32 and base36 alone; this adds every basic multibase. */
const anyBase: MultibaseDecoder<string> = {
  decode (text: string): Uint8Array<ArrayBuffer> {
    const base = ALL_BASES.find(b => text.startsWith(b.prefix))
    if (base == null) throw new Error('unknown multibase prefix')
    return base.decoder.decode(text) as Uint8Array<ArrayBuffer>
  }
}

/** @throws NotFoundError outside /ipfs/, BadRequestError for a malformed CID or path */
export function parseGatewayUrl (url: URL | string): GatewayPath {
  const u = typeof url === 'string' ? new URL(url) : url
  if (!u.pathname.startsWith(PREFIX)) {
    throw new NotFoundError('only /ipfs/ paths are served here')
  }

  const [cidText, ...rest] = u.pathname.slice(PREFIX.length).split('/')
  const cid = parseCid(cidText)
  const segments = rest.filter(s => s !== '').map(decodeSegment)
  if (segments.length > MAX_PATH_SEGMENTS) {
    throw new BadRequestError(`a content path may have at most ${MAX_PATH_SEGMENTS} segments`, 'PATH_TOO_DEEP')
  }

  return {
    cid,
    segments,
    trailingSlash: u.pathname.endsWith('/'),
    ipfsPath: u.pathname,
    query: u.searchParams
  }
}

export function parseCid (text: string): CID {
  if (text === '') throw new InvalidCIDError('missing CID after /ipfs/')
  try {
    return CID.parse(text, anyBase)
  } catch {
    throw new InvalidCIDError(`invalid CID: ${text.slice(0, 100)}`)
  }
}

function decodeSegment (segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new BadRequestError('malformed percent-encoding in path', 'PATH_INVALID')
  }
}
