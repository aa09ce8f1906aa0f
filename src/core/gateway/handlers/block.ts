/**
 * One whole block as the response body (raw blocks and the codec-typed formats), with
 * ranges: a block is small, so it is read before answering.
 */
import { readBlock } from '../block-source.ts'
import { rangedResponse } from '../ranged-body.ts'
import { notModifiedResponse } from '../responses.ts'
import { headersFor, isNotModified } from './context.ts'
import type { HandlerContext } from './context.ts'
import type { RangedSource } from '../ranged-body.ts'

export interface BlockResponseInit {
  etag: string
  contentType: string
  /** Content-Disposition and the like */
  extra?: Record<string, string>
}

/** The block the path names (or `bytes` already in hand) as a ranged body. */
export async function serveBlock (ctx: HandlerContext, init: BlockResponseInit, bytes?: Uint8Array): Promise<Response> {
  const headers = headersFor(ctx, {
    etag: init.etag,
    contentType: init.contentType,
    extra: { 'Accept-Ranges': 'bytes', ...init.extra }
  })
  if (isNotModified(ctx, init.etag)) return notModifiedResponse(headers)
  const body = bytes ?? await readBlock(ctx.blocks, ctx.resolved.cid, ctx)
  return rangedResponse(bytesSource(body), { request: ctx.request, headers })
}

/** Bytes in memory as a ranged source. */
export function bytesSource (bytes: Uint8Array): RangedSource {
  return {
    size: bytes.byteLength,
    async * read (start, end) { yield bytes.subarray(start, end) },
    async body (start, end) { return bytes.subarray(start, end) }
  }
}
