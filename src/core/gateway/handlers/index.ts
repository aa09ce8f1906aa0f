/**
 * Which handler answers: `?key=` picks decryption; then an explicit format picks by format; otherwise the codec of
 * the CID the path resolves to picks the default (deserialized) response.
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import * as json from 'multiformats/codecs/json'
import * as raw from 'multiformats/codecs/raw'
import { NotImplementedError } from '../errors.ts'
import { carHandler } from './car.ts'
import { decryptHandler, KEY_PARAM } from './decrypt.ts'
import { ipldHandler } from './ipld.ts'
import { rawBlockHandler } from './raw-block.ts'
import { unixfsHandler } from './unixfs.ts'
import type { Handler } from './context.ts'
import type { ResponseFormat } from '../negotiate.ts'
import type { CID } from 'multiformats/cid'

export type { Handler, HandlerContext } from './context.ts'

export const FORMAT_HANDLERS: Record<ResponseFormat, Handler> = {
  raw: rawBlockHandler,
  car: carHandler,
  'dag-json': ipldHandler,
  'dag-cbor': ipldHandler,
  json: ipldHandler,
  cbor: ipldHandler
}

export const CODEC_HANDLERS: Record<number, Handler> = {
  [dagPb.code]: unixfsHandler,
  [raw.code]: unixfsHandler,
  [dagCbor.code]: ipldHandler,
  [dagJson.code]: ipldHandler,
  [json.code]: ipldHandler
}

const unsupportedCodec: Handler = async (ctx) => {
  throw new NotImplementedError(`codec 0x${ctx.resolved.cid.code.toString(16)} has no default rendering; ask for ?format=raw or ?format=car`)
}

/** `?key=` comes first: the file it names is decrypted (it refuses a format itself). */
export function selectHandler (format: ResponseFormat | undefined, cid: CID, query?: URLSearchParams): Handler {
  if (query?.has(KEY_PARAM) === true) return decryptHandler
  if (format != null) return FORMAT_HANDLERS[format]
  return CODEC_HANDLERS[cid.code] ?? unsupportedCodec
}
