/**
 * `?format=car` / `application/vnd.ipld.car`: a CARv1 stream of the blocks along the
 * path (so a client can verify it), then the DAG at its end as `dag-scope` and
 * `entity-bytes` say, depth-first, with or without duplicates (`car-dups`, `dups`).
 * The path was resolved and the terminus block is read before answering, so a missing
 * root is an error status, not a broken 200; a block missing later cuts the stream
 * (the spec's streaming rule). CAR bodies are not ranged: `Accept-Ranges: none`.
 */
import { BadRequestError } from '../../errors.ts'
import { readBlock } from '../block-source.ts'
import { carBlocks, encodeCar, fileSize } from '../car-blocks.ts'
import { templateHash } from '../dir-listing.ts'
import { MEDIA_TYPES, resolveEntityBytes } from '../negotiate.ts'
import { notModifiedResponse, okResponse } from '../responses.ts'
import { toReadableStream } from '../stream.ts'
import { contentDisposition, headersFor, isNotModified } from './context.ts'
import type { Handler, HandlerContext } from './context.ts'
import type { CarPlan } from '../car-blocks.ts'

export function carContentType (dups: boolean): string {
  return `${MEDIA_TYPES.car}; version=1; order=dfs; dups=${dups ? 'y' : 'n'}`
}

/** The ETag names every parameter that changes the bytes: scope, range, duplicates. */
export function carEtag (ctx: HandlerContext): string {
  const { cid } = ctx.resolved
  const bytes = ctx.dagScope === 'entity' && ctx.entityBytes != null ? `${ctx.entityBytes.from}:${ctx.entityBytes.to}` : ''
  if (ctx.dagScope === 'all' && bytes === '' && !ctx.car.dups) return `"${cid}.car"`
  return `"${cid}.car.${templateHash(`${ctx.dagScope}|${bytes}|dfs|${ctx.car.dups ? 'y' : 'n'}`)}"`
}

export const carHandler: Handler = async (ctx) => {
  const { cid } = ctx.resolved
  const etag = carEtag(ctx)
  const headers = headersFor(ctx, {
    etag,
    contentType: carContentType(ctx.car.dups),
    extra: { 'Accept-Ranges': 'none', ...contentDisposition(ctx.target.query, `${cid}.car`, true) }
  })
  if (isNotModified(ctx, etag)) return notModifiedResponse(headers)

  const terminus = { cid, bytes: await readBlock(ctx.blocks, cid, ctx) }
  const plan: CarPlan = { pathBlocks: ctx.resolved.pathBlocks, terminus, scope: ctx.dagScope, dups: ctx.car.dups }
  const size = ctx.dagScope === 'entity' && ctx.entityBytes != null ? fileSize(terminus) : undefined
  if (size != null && ctx.entityBytes != null) {
    const span = resolveEntityBytes(ctx.entityBytes, size)
    if (span === 'outside') {
      throw new BadRequestError(`entity-bytes ${ctx.entityBytes.from}:${ctx.entityBytes.to} lies outside the ${size} bytes of ${cid}`, 'ENTITY_BYTES_OUTSIDE')
    }
    if (span === 'empty') plan.scope = 'block'
    else plan.span = span
  }

  // HEAD: the status and headers are known; read nothing more
  if (ctx.request.method === 'HEAD') return okResponse(new Uint8Array(0), headers)
  return okResponse(toReadableStream(encodeCar([cid], carBlocks(ctx.blocks, plan, ctx))), headers)
}
