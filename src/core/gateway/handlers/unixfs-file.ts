/**
 * A UnixFS file or raw block as its bytes: streamed, with ranges, typed by name or sniffing.
 */
import all from 'it-all'
import { concat } from 'uint8arrays/concat'
import { contentTypeFromName, OCTET_STREAM, sniffContentType, SNIFF_BYTES } from '../content-type.ts'
import { fileBlob } from '../file-blob.ts'
import { parseRange } from '../range.ts'
import { readFileRange } from '../read-file-range.ts'
import { notModifiedResponse, okResponse, rangeNotSatisfiableResponse, rangeResponse } from '../responses.ts'
import { toReadableStream } from '../stream.ts'
import { contentDisposition, headersFor, isNotModified } from './context.ts'
import type { HandlerContext } from './context.ts'
import type { FileEntry } from '../read-file-range.ts'

/** Multi-range requests get the whole file (200): see docs/GATEWAY.md. */
export async function serveFile (ctx: HandlerContext, entry: FileEntry, name?: string): Promise<Response> {
  const size = Number(entry.size)
  const etag = `"${entry.cid}"`
  const extra = { 'Accept-Ranges': 'bytes', ...contentDisposition(ctx.target.query) }
  // before sniffing, so a revalidation reads no file bytes (304 carries no Content-Type)
  if (isNotModified(ctx, etag)) {
    return notModifiedResponse(headersFor(ctx, { etag, contentType: OCTET_STREAM, extra }))
  }

  const filename = ctx.target.query.get('filename') ?? name
  const contentType = contentTypeFromName(filename) ?? await sniff(ctx, entry, size)
  const headers = headersFor(ctx, { etag, contentType, extra })

  const range = parseRange(ctx.request.headers.get('Range'), size)
  if (range === 'unsatisfiable') return rangeNotSatisfiableResponse(size)
  if (range != null) {
    return rangeResponse(await body(ctx, entry, range.start, range.end + 1), headers, range, size)
  }

  headers.set('Content-Length', String(size))
  return okResponse(await body(ctx, entry, 0, size), headers)
}

/** Bytes `start` to `end` (exclusive): one Blob of stored leaves when all are local, else streamed. */
async function body (ctx: HandlerContext, entry: FileEntry, start: number, end: number): Promise<Blob | ReadableStream<Uint8Array>> {
  const blob = ctx.blobs == null ? undefined : await fileBlob(ctx.blobs, ctx.blocks, entry, start, end, ctx)
  return blob ?? toReadableStream(readFileRange(entry, start, end - start, ctx))
}

/** The type from the first bytes: read from the stored Blob when there is one (no leaf enters JS whole). */
async function sniff (ctx: HandlerContext, entry: FileEntry, size: number): Promise<string> {
  const length = Math.min(size, SNIFF_BYTES)
  const blob = ctx.blobs == null ? undefined : await fileBlob(ctx.blobs, ctx.blocks, entry, 0, length, ctx)
  const head = blob != null ? new Uint8Array(await blob.arrayBuffer()) : concat(await all(readFileRange(entry, 0, length, ctx)), length)
  return sniffContentType(head, length === size)
}
