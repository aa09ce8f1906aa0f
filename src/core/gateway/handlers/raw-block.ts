/**
 * `?format=raw` / `application/vnd.ipld.raw`: the exact bytes of the block the path names.
 */
import { MEDIA_TYPES } from '../negotiate.ts'
import { notModifiedResponse, okResponse } from '../responses.ts'
import { readBlock } from '../block-source.ts'
import { contentDisposition, headersFor, isNotModified } from './context.ts'
import type { Handler } from './context.ts'

export const rawBlockHandler: Handler = async (ctx) => {
  const { cid } = ctx.resolved
  const etag = `"${cid}.raw"`
  const headers = headersFor(ctx, {
    etag,
    contentType: MEDIA_TYPES.raw,
    extra: contentDisposition(ctx.target.query, `${cid}.bin`, true)
  })
  if (isNotModified(ctx, etag)) return notModifiedResponse(headers)

  const bytes = await readBlock(ctx.blocks, cid, ctx)
  headers.set('Content-Length', String(bytes.byteLength))
  return okResponse(bytes, headers)
}
