/**
 * IPLD data as JSON or CBOR: dag-cbor / dag-json (and non-UnixFS dag-pb) default to
 * JSON (dag-json encoding, `application/json`); `?format=dag-json|dag-cbor|json|cbor`
 * or the matching vnd.ipld Accept type picks the encoding. When the block already is
 * in the asked encoding its bytes are sent unchanged (still verifiable).
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import * as json from 'multiformats/codecs/json'
import { readBlock } from '../block-source.ts'
import { NotAcceptableError } from '../errors.ts'
import { MEDIA_TYPES } from '../negotiate.ts'
import { notModifiedResponse, okResponse } from '../responses.ts'
import { headersFor, isNotModified } from './context.ts'
import type { Handler } from './context.ts'

type IpldFormat = 'dag-json' | 'dag-cbor' | 'json' | 'cbor'

const DECODERS: Record<number, (bytes: Uint8Array) => unknown> = {
  [dagPb.code]: dagPb.decode,
  [dagCbor.code]: dagCbor.decode,
  [dagJson.code]: dagJson.decode,
  [json.code]: json.decode
}

const TARGETS: Record<IpldFormat, { encode(value: unknown): Uint8Array, sameAs: number[] }> = {
  'dag-json': { encode: dagJson.encode, sameAs: [dagJson.code] },
  json: { encode: dagJson.encode, sameAs: [dagJson.code, json.code] },
  'dag-cbor': { encode: dagCbor.encode, sameAs: [dagCbor.code] },
  cbor: { encode: dagCbor.encode, sameAs: [dagCbor.code] }
}

export const ipldHandler: Handler = async (ctx) => {
  const { cid } = ctx.resolved
  const format: IpldFormat = ctx.format == null || ctx.format === 'raw' || ctx.format === 'car' ? 'json' : ctx.format
  const decode = DECODERS[cid.code]
  if (decode == null) {
    throw new NotAcceptableError(`codec 0x${cid.code.toString(16)} cannot be rendered as ${format}`)
  }

  const etag = `"${cid}.${format}"`
  const headers = headersFor(ctx, { etag, contentType: MEDIA_TYPES[format] })
  if (isNotModified(ctx, etag)) return notModifiedResponse(headers)

  const block = await readBlock(ctx.blocks, cid, ctx)
  const target = TARGETS[format]
  const body = target.sameAs.includes(cid.code) ? block : target.encode(decode(block))
  headers.set('Content-Length', String(body.byteLength))
  return okResponse(body, headers)
}
