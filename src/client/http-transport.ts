/**
 * Reaches a cafe's HTTP API. It maps an operation to its method and path from
 * the same route table the cafe serves.
 */
import { cafeRoutes } from '../core/routes.ts'
import { HttpRouteTable } from '../core/api/http-routes.ts'
import { CafeError, UnavailableError } from '../core/errors.ts'
import { PINNING_BASE_PATH } from '../core/pinning/routes.ts'
import { cafeErrorFrom } from './errors.ts'
import type { CafeTransport, CarBody, CarUploadInput, CarUploadOptions } from './transport.ts'
import type { UploadProgressEvent } from './progress.ts'
import type { Route } from '../core/api/route.ts'
import type { AbortOptions } from '../core/types.ts'

export interface HttpTransportInit {
  /** default: the global fetch */
  fetch?: (request: Request) => Promise<Response>
  /** routes to know; default all the cafe's routes */
  routes?: readonly Route[]
  /** the cafe's peer id if known in advance (else learned from GET /api/v0/cafe) */
  cafe?: string
}

export class HttpTransport implements CafeTransport {
  readonly cafe?: string
  private readonly baseUrl: string
  private readonly fetch: (request: Request) => Promise<Response>
  private readonly routes: Map<string, Route>
  /** upload progress needs XMLHttpRequest (fetch reports none); only with the global fetch in a page */
  private readonly xhr: boolean

  constructor (baseUrl: string, init: HttpTransportInit = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '')
    this.fetch = init.fetch ?? (async request => globalThis.fetch(request))
    this.xhr = init.fetch == null && typeof XMLHttpRequest === 'function'
    this.routes = new Map((init.routes ?? cafeRoutes).map(route => [route.op, route]))
    this.cafe = init.cafe
  }

  async request (op: string, input: unknown, auth: string | undefined, options: AbortOptions = {}): Promise<unknown> {
    const route = this.routes.get(op)
    if (route == null) throw new CafeError(`unknown operation ${op}`, 'NOT_FOUND', 404)
    const { path, rest } = HttpRouteTable.fill(route, (input ?? {}) as Record<string, unknown>)
    const url = new URL(this.baseUrl + path)
    const headers: Record<string, string> = { accept: 'application/json' }
    if (auth != null) headers.authorization = `Bearer ${auth}`
    let body: string | undefined
    if (route.method === 'GET') {
      for (const [name, value] of Object.entries(rest)) if (value != null) url.searchParams.set(name, String(value))
    } else if (Object.keys(rest).length > 0) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(rest)
    }
    return this.answer(await this.fetch(new Request(url, { method: route.method, headers, body, signal: options.signal })))
  }

  /** POST {base}/car of the Pinning Service API mount; a stream is gathered first (fetch upload streams need HTTP/2). */
  async uploadCar (car: CarBody, input: CarUploadInput, auth: string, options: CarUploadOptions = {}): Promise<unknown> {
    const url = new URL(`${this.baseUrl}${PINNING_BASE_PATH}/car`)
    if (input.name != null) url.searchParams.set('name', input.name)
    if (input.meta != null) url.searchParams.set('meta', JSON.stringify(input.meta))
    const body = car instanceof Uint8Array || car instanceof Blob ? car : await gather(car)
    const headers = { 'content-type': 'application/vnd.ipld.car', authorization: `Bearer ${auth}`, accept: 'application/json' }
    if (options.onProgress != null && this.xhr) return this.answer(await sendWithProgress(url, headers, body, options))
    const response = await this.fetch(new Request(url, { method: 'POST', headers, body: body as BodyInit, signal: options.signal }))
    const size = body instanceof Blob ? body.size : body.byteLength
    options.onProgress?.({ type: 'cafe:car:upload', detail: { bytes: size, total: size } })
    return this.answer(response)
  }

  /** The JSON answer, or the cafe's error (the route table's `{ code, message }` or the pinning API's `{ reason, details }`). */
  private async answer (response: Response): Promise<unknown> {
    const text = await response.text()
    let json: any
    try {
      json = text === '' ? undefined : JSON.parse(text)
    } catch {
      throw new CafeError(`the cafe answered ${response.status} with something other than JSON`, 'RESPONSE_INVALID', response.status >= 400 ? response.status : 502)
    }
    if (!response.ok) {
      const error = json?.error?.reason != null ? { code: json.error.reason, message: json.error.details } : json?.error
      throw cafeErrorFrom(error, response.status, Number(response.headers.get('retry-after') ?? undefined) || undefined)
    }
    return json
  }
}

/** POST with XMLHttpRequest, whose upload events report the body as it goes out. */
async function sendWithProgress (url: URL, headers: Record<string, string>, body: Blob | Uint8Array, options: CarUploadOptions): Promise<Response> {
  const onProgress = options.onProgress as (evt: UploadProgressEvent) => void
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value)
    const total = body instanceof Blob ? body.size : body.byteLength
    // a request a Service Worker answers may report no upload events until it ends
    xhr.upload.onprogress = (event) => { onProgress({ type: 'cafe:car:upload', detail: { bytes: event.loaded, total } }) }
    xhr.onload = () => {
      onProgress({ type: 'cafe:car:upload', detail: { bytes: total, total } })
      const retryAfter = xhr.getResponseHeader('retry-after')
      resolve(new Response(xhr.status === 204 ? null : xhr.responseText, { status: xhr.status, headers: retryAfter != null ? { 'retry-after': retryAfter } : {} }))
    }
    xhr.onerror = () => { reject(new UnavailableError('the upload failed: the cafe could not be reached', 'CAFE_UNREACHABLE')) }
    const abort = (): void => { xhr.abort(); reject(options.signal?.reason) }
    xhr.onabort = () => { options.signal?.removeEventListener('abort', abort) }
    options.signal?.addEventListener('abort', abort, { once: true })
    xhr.send(body as XMLHttpRequestBodyInit)
  })
}

async function gather (chunks: AsyncIterable<Uint8Array>): Promise<Blob> {
  const parts: Uint8Array[] = []
  for await (const chunk of chunks) parts.push(chunk)
  return new Blob(parts as BlobPart[])
}
