/**
 * Splits a path gateway URL `/ipfs/<cid>[/path][?query]` into its parts.
 * The CID may be v0 or v1 in any multibase `multiformats/basics` knows.
 */
import { BadRequestError, InvalidCIDError, NotFoundError } from '../errors.ts'
import { parseCid } from '../util/cid.ts'
import type { CID } from 'multiformats/cid'

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

/** @throws NotFoundError outside /ipfs/, BadRequestError for a malformed CID or path */
export function parseGatewayUrl (url: URL | string): GatewayPath {
  const u = typeof url === 'string' ? new URL(url) : url
  if (!u.pathname.startsWith(PREFIX)) {
    throw new NotFoundError('only /ipfs/ paths are served here')
  }

  const [cidText, ...rest] = u.pathname.slice(PREFIX.length).split('/')
  if (cidText === '') throw new InvalidCIDError('missing CID after /ipfs/')
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

function decodeSegment (segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new BadRequestError('malformed percent-encoding in path', 'PATH_INVALID')
  }
}
