/**
 * Carries an HTTP API request from the Service Worker to the SharedWorker, where the
 * services run (one writer for every store), and its answer back. The request body
 * travels as a transferred ReadableStream, so uploads are streamed, not buffered here.
 */
import * as Comlink from 'comlink'
import type { ForwardedRequest, ForwardedResponse } from '../worker/api.ts'

function forwardableRequest (request: Request): ForwardedRequest {
  const forwarded: ForwardedRequest = {
    method: request.method,
    url: request.url,
    headers: [...request.headers]
  }
  if (request.body != null) forwarded.body = request.body
  return forwarded
}

/** The request as the SharedWorker receives it; the stream goes in the transfer list. */
export function transferRequest (request: Request): ForwardedRequest {
  const forwarded = forwardableRequest(request)
  return forwarded.body == null ? forwarded : Comlink.transfer(forwarded, [forwarded.body as unknown as Transferable])
}

export function toResponse (forwarded: ForwardedResponse): Response {
  const nullBody = forwarded.status === 204 || forwarded.status === 304
  return new Response(nullBody ? null : forwarded.body, { status: forwarded.status, headers: forwarded.headers })
}
