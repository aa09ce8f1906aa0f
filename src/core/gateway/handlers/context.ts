/**
 * What every content handler receives, and the helpers they share so headers and
 * conditional requests behave the same for every content shape.
 */
import { contentHeaders, matchesIfNoneMatch } from '../responses.ts'
import type { BlobSource } from '../file-blob.ts'
import type { DagScope, ResponseFormat } from '../negotiate.ts'
import type { GatewayPath } from '../parse-url.ts'
import type { ResolvedPath } from '../resolve-path.ts'
import type { ContentHeadersInit } from '../responses.ts'
import type { Logger } from '@libp2p/interface'
import type { ReadableStorage } from 'ipfs-unixfs-exporter'

export interface HandlerContext {
  request: Request
  target: GatewayPath
  resolved: ResolvedPath
  /** undefined: the default (deserialized) response */
  format?: ResponseFormat
  dagScope: DagScope
  /** local blocks, then the network */
  blocks: ReadableStorage
  /** local blocks as Blobs, when the store can hand them out so */
  blobs?: BlobSource
  log: Logger
  signal?: AbortSignal
}

export type Handler = (ctx: HandlerContext) => Promise<Response>

/** Content headers with this request's X-Ipfs-Path and X-Ipfs-Roots. */
export function headersFor (ctx: HandlerContext, init: Omit<ContentHeadersInit, 'ipfsPath' | 'roots'>): Headers {
  return contentHeaders({ ...init, ipfsPath: ctx.target.ipfsPath, roots: ctx.resolved.roots })
}

export function isNotModified (ctx: HandlerContext, etag: string): boolean {
  return matchesIfNoneMatch(ctx.request.headers.get('If-None-Match'), etag)
}

/**
 * Content-Disposition for `?filename=` / `?download=true`, or for trustless formats
 * (always attachment so browsers do not render them).
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
