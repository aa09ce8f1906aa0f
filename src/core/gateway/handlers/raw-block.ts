/**
 * `?format=raw` / `application/vnd.ipld.raw`: the exact bytes of the block the path names.
 */
import { MEDIA_TYPES } from '../negotiate.ts'
import { serveBlock } from './block.ts'
import { contentDisposition } from './context.ts'
import type { Handler } from './context.ts'

export const rawBlockHandler: Handler = async (ctx) => {
  const { cid } = ctx.resolved
  return serveBlock(ctx, {
    etag: `"${cid}.raw"`,
    contentType: MEDIA_TYPES.raw,
    extra: contentDisposition(ctx.target.query, `${cid}.bin`, true)
  })
}
