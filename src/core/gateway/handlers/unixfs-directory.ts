/**
 * A UnixFS directory: 301 to the trailing-slash URL, then its index.html if it has one,
 * else a generated HTML listing.
 */
import * as dagPb from '@ipld/dag-pb'
import { exporter } from 'ipfs-unixfs-exporter'
import { NotFoundError } from '../../errors.ts'
import { directoryListingEtag, renderDirectoryListing } from '../dir-listing.ts'
import { isFileEntry } from '../read-file-range.ts'
import { resolvePath } from '../resolve-path.ts'
import { GENERATED_HTML_CACHE_CONTROL, movedPermanentlyResponse, notModifiedResponse, okResponse } from '../responses.ts'
import { headersFor, isNotModified } from './context.ts'
import { serveFile } from './unixfs-file.ts'
import type { HandlerContext } from './context.ts'
import type { ListingEntry } from '../dir-listing.ts'
import type { FileEntry } from '../read-file-range.ts'
import type { UnixFSDirectory } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'

/** Nodes read to size a listing's subfolders; past it a subfolder shows its link's Tsize. */
const SIZE_BUDGET = 512

const INDEX_FILE = 'index.html'

export async function serveDirectory (ctx: HandlerContext, entry: UnixFSDirectory): Promise<Response> {
  if (!ctx.target.trailingSlash) {
    return movedPermanentlyResponse(`${ctx.target.ipfsPath}/${new URL(ctx.request.url).search}`)
  }

  const index = await findIndex(ctx, entry)
  if (index != null) {
    // the directory's CID names the page (its ETag), as other gateways do
    return serveFile(ctx, index, { name: INDEX_FILE, etag: `"${entry.cid}"` })
  }

  const etag = directoryListingEtag(entry.cid)
  const headers = headersFor(ctx, { etag, contentType: 'text/html; charset=utf-8', cacheControl: GENERATED_HTML_CACHE_CONTROL })
  if (isNotModified(ctx, etag)) return notModifiedResponse(headers)

  const entries: ListingEntry[] = []
  const budget = { left: SIZE_BUDGET }
  for await (const e of entry.entries({ signal: ctx.signal })) {
    const size = e.cid.code === dagPb.code ? await contentSize(ctx, e.cid, budget).catch(() => e.size) : e.size
    entries.push({ name: e.name, cid: e.cid, size })
  }
  const html = new TextEncoder().encode(renderDirectoryListing({ ipfsPath: ctx.target.ipfsPath, cid: entry.cid, entries }))
  headers.set('Content-Length', String(html.byteLength))
  return okResponse(html, headers)
}

async function findIndex (ctx: HandlerContext, dir: UnixFSDirectory): Promise<FileEntry | undefined> {
  let cid
  try {
    ({ cid } = await resolvePath(ctx.blocks, dir.cid, [INDEX_FILE], ctx))
  } catch (err) {
    if (err instanceof NotFoundError) return undefined
    throw err
  }
  const index = await exporter(cid, ctx.blocks, { signal: ctx.signal })
  return isFileEntry(index) ? index : undefined
}

/**
 * The bytes a file or folder holds. Importers record a subfolder's link Tsize as the size
 * of its own node (a folder of 30 MiB shows "128 B"), so a folder sums what it links to.
 */
async function contentSize (ctx: HandlerContext, cid: CID, budget: { left: number }): Promise<bigint> {
  if (--budget.left < 0) throw new RangeError('too many nodes to size')
  const entry = await exporter(cid, ctx.blocks, { signal: ctx.signal })
  if (entry.type !== 'directory') return entry.size
  let sum = 0n
  for await (const child of entry.entries({ signal: ctx.signal })) {
    sum += child.cid.code === dagPb.code ? await contentSize(ctx, child.cid, budget) : child.size
  }
  return sum
}
