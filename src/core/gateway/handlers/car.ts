/**
 * `?format=car` / `application/vnd.ipld.car`: a CARv1 stream of the blocks along the
 * path (so a client can verify it), then the DAG under the path's end, DFS, no duplicates.
 * The root block is read before answering so a missing root is an error status, not a
 * broken 200; a block missing later cuts the stream (the spec's streaming rule).
 */
import { CarWriter } from '@ipld/car/writer'
import { linksOf, walkDag } from '../dag-walk.ts'
import { MEDIA_TYPES } from '../negotiate.ts'
import { notModifiedResponse, okResponse } from '../responses.ts'
import { toReadableStream } from '../stream.ts'
import { readBlock } from '../block-source.ts'
import { contentDisposition, headersFor, isNotModified } from './context.ts'
import type { Handler, HandlerContext } from './context.ts'
import type { DagBlock } from '../dag-walk.ts'
import type { CID } from 'multiformats/cid'

export const CAR_CONTENT_TYPE = `${MEDIA_TYPES.car}; version=1; order=dfs; dups=n`

export const carHandler: Handler = async (ctx) => {
  const { cid } = ctx.resolved
  const etag = ctx.dagScope === 'block' ? `"${cid}.block.car"` : `"${cid}.car"`
  const headers = headersFor(ctx, {
    etag,
    contentType: CAR_CONTENT_TYPE,
    extra: contentDisposition(ctx.target.query, `${cid}.car`, true)
  })
  if (isNotModified(ctx, etag)) return notModifiedResponse(headers)

  const root = await readBlock(ctx.blocks, cid, ctx)
  return okResponse(toReadableStream(carBytes([cid], signal => carBlocks(ctx, root, signal), ctx.signal)), headers)
}

async function * carBlocks (ctx: HandlerContext, root: Uint8Array, signal: AbortSignal): AsyncGenerator<DagBlock> {
  const seen = new Set<string>()
  for (const cid of ctx.resolved.roots.slice(0, -1)) {
    yield * walkDag(ctx.blocks, cid, { rootOnly: true, seen, signal })
  }
  const { cid } = ctx.resolved
  if (!seen.has(cid.toString())) {
    seen.add(cid.toString())
    yield { cid, bytes: root }
  }
  if (ctx.dagScope === 'block') return
  for (const link of linksOf(cid, root)) {
    yield * walkDag(ctx.blocks, link, { seen, signal })
  }
}

/**
 * CarWriter's output as an async iterable. Blocks are put by a concurrent pump that
 * waits for the reader (CarWriter applies backpressure); if the reader stops, the pump
 * is aborted; if the pump fails, the stream fails after what was written.
 */
async function * carBytes (roots: CID[], blocks: (signal: AbortSignal) => AsyncIterable<DagBlock>, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const controller = new AbortController()
  const onAbort = (): void => { controller.abort(signal?.reason) }
  signal?.addEventListener('abort', onAbort, { once: true })
  const { writer, out } = CarWriter.create(roots)
  let failure: unknown
  const pump = (async () => {
    try {
      for await (const block of blocks(controller.signal)) await writer.put(block)
    } catch (err) {
      failure = err
    } finally {
      await writer.close()
    }
  })()

  try {
    for await (const chunk of out) yield chunk
    await pump
    if (failure != null) throw failure
  } finally {
    signal?.removeEventListener('abort', onAbort)
    controller.abort()
  }
}
