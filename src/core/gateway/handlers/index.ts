/**
 * Which handler answers, by table: `?key=` picks decryption; otherwise the candidate
 * representation (an explicit or negotiated format, an HTML view, or the default) and
 * the codec of the CID the path resolves to.
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import * as json from 'multiformats/codecs/json'
import * as raw from 'multiformats/codecs/raw'
import { NotImplementedError } from '../errors.ts'
import { carHandler } from './car.ts'
import { CBOR_CODE, codecHandler } from './codec.ts'
import { dagHtmlHandler } from './dag-html.ts'
import { decryptHandler, KEY_PARAM } from './decrypt.ts'
import { rawBlockHandler } from './raw-block.ts'
import { unixfsHandler, unixfsJsonHandler } from './unixfs.ts'
import type { Handler } from './context.ts'
import type { Candidate } from '../negotiate.ts'
import type { CID } from 'multiformats/cid'

export type { Handler, HandlerContext } from './context.ts'

const unsupportedCodec: Handler = async (ctx) => {
  throw new NotImplementedError(`codec 0x${ctx.resolved.cid.code.toString(16)} has no deserialized form; ask for ?format=raw or ?format=car`, 'UNSUPPORTED_CODEC')
}

/** The deserialized response of each codec. */
export const DEFAULT_HANDLERS: Record<number, Handler> = {
  [dagPb.code]: unixfsHandler,
  [raw.code]: unixfsHandler,
  [dagCbor.code]: codecHandler,
  [dagJson.code]: codecHandler,
  [json.code]: codecHandler,
  [CBOR_CODE]: codecHandler
}

/** `text/html`: a page for IPLD data; UnixFS (and plain json/cbor) answer their default. */
const HTML_HANDLERS: Record<number, Handler> = {
  [dagCbor.code]: dagHtmlHandler,
  [dagJson.code]: dagHtmlHandler
}

/** JSON asked of a UnixFS file is the file, when it holds JSON. */
const JSON_HANDLERS: Record<number, Handler> = {
  [dagPb.code]: unixfsJsonHandler,
  [raw.code]: unixfsJsonHandler
}

const CANDIDATE_HANDLERS: Record<Candidate, (cid: CID) => Handler> = {
  default: cid => DEFAULT_HANDLERS[cid.code] ?? unsupportedCodec,
  html: cid => HTML_HANDLERS[cid.code] ?? DEFAULT_HANDLERS[cid.code] ?? unsupportedCodec,
  raw: () => rawBlockHandler,
  car: () => carHandler,
  json: cid => JSON_HANDLERS[cid.code] ?? codecHandler,
  cbor: () => codecHandler,
  'dag-json': () => codecHandler,
  'dag-cbor': () => codecHandler
}

/** `?key=` comes first: the file it names is decrypted (it refuses a format itself). */
export function selectHandler (candidate: Candidate, cid: CID, query?: URLSearchParams): Handler {
  if (query?.has(KEY_PARAM) === true) return decryptHandler
  return CANDIDATE_HANDLERS[candidate](cid)
}
