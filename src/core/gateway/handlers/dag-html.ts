/**
 * `Accept: text/html` on dag-json / dag-cbor: a human-readable page of the block (its
 * data as indented dag-json, links clickable) with links to download it as-is, as a
 * raw block or as a CAR. Not a codec conversion: the bytes stay downloadable unchanged.
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { readBlock } from '../block-source.ts'
import { escapeHtml, templateHash } from '../dir-listing.ts'
import { GENERATED_HTML_CACHE_CONTROL, notModifiedResponse, okResponse } from '../responses.ts'
import { CODEC_FORMATS } from './codec.ts'
import { headersFor, isNotModified } from './context.ts'
import type { Handler } from './context.ts'

const DECODERS: Record<number, (bytes: Uint8Array) => unknown> = {
  [dagJson.code]: dagJson.decode,
  [dagCbor.code]: dagCbor.decode
}

const STYLE = 'body{font-family:system-ui,sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em;overflow:auto}code{color:#555}'

const DAG_TEMPLATE_HASH = templateHash(`dag-v1|${STYLE}`)

export const dagHtmlHandler: Handler = async (ctx) => {
  const { cid } = ctx.resolved
  const etag = `"DagIndex-${DAG_TEMPLATE_HASH}_CID-${cid}"`
  const headers = headersFor(ctx, { etag, contentType: 'text/html; charset=utf-8', cacheControl: GENERATED_HTML_CACHE_CONTROL })
  if (isNotModified(ctx, etag)) return notModifiedResponse(headers)

  const bytes = await readBlock(ctx.blocks, cid, ctx)
  const value = DECODERS[cid.code](bytes)
  const pretty = JSON.stringify(JSON.parse(new TextDecoder().decode(dagJson.encode(value))), null, 2)
  // a link renders as {"/": "<cid>"}: make the CID clickable (escape first, then link)
  const body = escapeHtml(pretty).replace(/(&#34;\/&#34;: &#34;)([a-zA-Z0-9]+)(&#34;)/g,
    (_m, open: string, link: string, close: string) => `${open}<a href="/ipfs/${link}/">${link}</a>${close}`)
  const own = CODEC_FORMATS[cid.code].format
  const base = ctx.target.ipfsPath.replace(/\/$/, '')
  const title = `${own} ${cid}`
  const html = '<!doctype html>\n<html><head><meta charset="utf-8">' +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>` +
    `<h1>${escapeHtml(own)}</h1><p><code>${cid}</code> (${bytes.byteLength} bytes)</p>` +
    `<p>Download: <a href="${escapeHtml(base)}?format=${own}">${own}</a> · ` +
    `<a href="${escapeHtml(base)}?format=raw">raw block</a> · <a href="${escapeHtml(base)}?format=car">CAR</a></p>` +
    `<pre>${body}</pre></body></html>\n`
  const encoded = new TextEncoder().encode(html)
  headers.set('Content-Length', String(encoded.byteLength))
  return okResponse(encoded, headers)
}
