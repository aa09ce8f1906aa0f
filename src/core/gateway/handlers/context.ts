/**
 * What every content handler receives, and the helpers they share so headers and
 * conditional requests behave the same for every content shape.
 */
import { contentHeaders, matchesIfNoneMatch } from '../responses.ts'
import type { Aead } from '../../crypto/index.ts'
import type { DecryptedBlobs } from '../decrypted-blob.ts'
import type { BlobSource } from '../file-blob.ts'
import type { Candidate, CarParams, DagScope, EntityBytes, ResponseFormat } from '../negotiate.ts'
import type { GatewayPath } from '../parse-url.ts'
import type { ResolvedPath } from '../resolve-path.ts'
import type { ContentHeadersInit } from '../responses.ts'
import type { Logger } from '@libp2p/interface'
import type { ReadableStorage } from 'ipfs-unixfs-exporter'

export interface HandlerContext {
  request: Request
  target: GatewayPath
  resolved: ResolvedPath
  /** the representation this handler is asked for (see negotiate.ts) */
  candidate: Candidate
  /** the explicit or negotiated format; undefined for the default and HTML responses */
  format?: ResponseFormat
  /** the format was negotiated from Accept: sent back as Content-Location */
  contentLocation?: string
  dagScope: DagScope
  entityBytes?: EntityBytes
  car: CarParams
  /** blocks: local, then the network (local only for trustless responses) */
  blocks: ReadableStorage
  /** local blocks as Blobs, when the store can hand them out so */
  blobs?: BlobSource
  /** decrypted spans as Blobs (only where `blobs` is) */
  decryptedBlobs?: DecryptedBlobs
  /** opens encrypted files' segments (default WebCrypto) */
  aead?: Aead
  log: Logger
  signal?: AbortSignal
}

export type Handler = (ctx: HandlerContext) => Promise<Response>

/** Content headers with this request's X-Ipfs-Path, X-Ipfs-Roots and Content-Location. */
export function headersFor (ctx: HandlerContext, init: Omit<ContentHeadersInit, 'ipfsPath' | 'roots'>): Headers {
  const headers = contentHeaders({ ...init, ipfsPath: ctx.target.ipfsPath, roots: ctx.resolved.roots })
  if (ctx.contentLocation != null) headers.set('Content-Location', ctx.contentLocation)
  return headers
}

export function isNotModified (ctx: HandlerContext, etag: string): boolean {
  return matchesIfNoneMatch(ctx.request.headers.get('If-None-Match'), etag)
}

/**
 * Content-Disposition for `?filename=` / `?download=true`, or with a default name and
 * type for block and CAR formats (`attachment` for binary ones so browsers do not
 * render them).
 */
export function contentDisposition (query: URLSearchParams, fallbackName?: string, forceAttachment = false): Record<string, string> {
  const name = query.get('filename') ?? fallbackName
  const attachment = forceAttachment || query.get('download') === 'true'
  if (name == null && !attachment) return {}
  const type = attachment ? 'attachment' : 'inline'
  if (name == null) return { 'Content-Disposition': type }
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return { 'Content-Disposition': `${type}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}` }
}
