/**
 * A UnixFS file or raw block as its bytes: streamed (or one Blob of stored leaves),
 * ranges and multi-ranges, typed by name or sniffing. The first bytes are read before
 * answering a GET, so a first block that cannot be had is an error status, not a
 * broken 200.
 */
import all from 'it-all'
import { concat } from 'uint8arrays/concat'
import { contentTypeFromName, OCTET_STREAM, sniffContentType, SNIFF_BYTES } from '../content-type.ts'
import { fileBlob } from '../file-blob.ts'
import { rangedResponse } from '../ranged-body.ts'
import { readFileRange } from '../read-file-range.ts'
import { notModifiedResponse } from '../responses.ts'
import { contentDisposition, headersFor, isNotModified } from './context.ts'
import type { HandlerContext } from './context.ts'
import type { RangedSource } from '../ranged-body.ts'
import type { FileEntry } from '../read-file-range.ts'

export interface ServeFileOptions {
  /** the name the file has in its directory (for its type) */
  name?: string
  /** a type decided by the caller (e.g. `application/json` when asked for JSON) */
  contentType?: string
  /** default: the file's CID */
  etag?: string
}

export async function serveFile (ctx: HandlerContext, entry: FileEntry, options: ServeFileOptions = {}): Promise<Response> {
  const etag = options.etag ?? `"${entry.cid}"`
  const extra = { 'Accept-Ranges': 'bytes', ...contentDisposition(ctx.target.query) }
  // before sniffing, so a revalidation reads no file bytes (304 carries no Content-Type)
  if (isNotModified(ctx, etag)) {
    return notModifiedResponse(headersFor(ctx, { etag, contentType: OCTET_STREAM, extra }))
  }

  const source = fileSource(ctx, entry)
  const contentType = options.contentType ??
    contentTypeFromName(ctx.target.query.get('filename') ?? options.name) ??
    await sniff(source)
  const headers = headersFor(ctx, { etag, contentType, extra })
  return rangedResponse(source, { request: ctx.request, headers, prime: {} })
}

/** A file's bytes: one Blob of stored leaves for a span when all are local, else streamed from the exporter. */
export function fileSource (ctx: HandlerContext, entry: FileEntry): RangedSource {
  const blobs = ctx.blobs
  return {
    size: Number(entry.size),
    read: (start, end) => readFileRange(entry, start, end - start, { blocks: ctx.blocks, signal: ctx.signal }),
    body: blobs == null ? undefined : async (start, end) => fileBlob(blobs, ctx.blocks, entry, start, end, ctx)
  }
}

/** The first bytes of a source (up to SNIFF_BYTES), from its Blob when it has one. */
export async function headBytes (source: RangedSource): Promise<Uint8Array> {
  const length = Math.min(source.size, SNIFF_BYTES)
  const blob = await source.body?.(0, length)
  if (blob instanceof Blob) return new Uint8Array(await blob.arrayBuffer())
  if (blob instanceof Uint8Array) return blob
  return concat(await all(source.read(0, length)), length)
}

async function sniff (source: RangedSource): Promise<string> {
  return sniffContentType(await headBytes(source), Math.min(source.size, SNIFF_BYTES) === source.size)
}
