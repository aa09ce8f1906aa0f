/**
 * Blocks of the IPLD data codecs (dag-json, dag-cbor, json, cbor) as their own bytes,
 * with their own media type: the default response for such a CID, and the answer to the
 * format that names its codec. Other conversions are 406 (IPIP-0524: a gateway does not
 * translate between codecs; `?format=raw` and a client-side decoder do).
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as json from 'multiformats/codecs/json'
import { NotAcceptableError } from '../errors.ts'
import { MEDIA_TYPES } from '../negotiate.ts'
import { serveBlock } from './block.ts'
import { contentDisposition } from './context.ts'
import type { Handler } from './context.ts'
import type { ResponseFormat } from '../negotiate.ts'

/** multicodec `cbor` (0x51): plain CBOR, no links */
export const CBOR_CODE = 0x51

interface CodecFormat {
  format: ResponseFormat
  /** file extension of the default file name */
  extension: 'json' | 'cbor'
  /** JSON is readable in a browser; CBOR is binary */
  attachment: boolean
}

export const CODEC_FORMATS: Record<number, CodecFormat> = {
  [dagJson.code]: { format: 'dag-json', extension: 'json', attachment: false },
  [dagCbor.code]: { format: 'dag-cbor', extension: 'cbor', attachment: true },
  [json.code]: { format: 'json', extension: 'json', attachment: false },
  [CBOR_CODE]: { format: 'cbor', extension: 'cbor', attachment: true }
}

export const codecHandler: Handler = async (ctx) => {
  const { cid } = ctx.resolved
  const own = CODEC_FORMATS[cid.code]
  const format = ctx.format ?? own?.format
  if (own == null || format !== own.format) {
    throw new NotAcceptableError(`a block of codec 0x${cid.code.toString(16)} is not served as ${format}: the gateway does not convert between codecs; ask for ?format=raw and decode it yourself`, 'CODEC_MISMATCH')
  }
  return serveBlock(ctx, {
    etag: `"${cid}.${own.format}"`,
    contentType: MEDIA_TYPES[own.format],
    extra: contentDisposition(ctx.target.query, `${cid}.${own.extension}`, own.attachment)
  })
}
