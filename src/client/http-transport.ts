/**
 * Reaches a cafe's HTTP API. It maps an operation to its method and path from
 * the same route table the cafe serves.
 */
import { cafeRoutes } from '../core/api/routes/index.ts'
import { HttpRouteTable } from '../core/api/http-routes.ts'
import { CafeError } from '../core/errors.ts'
import { PINNING_BASE_PATH } from '../core/api/cafe-http.ts'
import { cafeErrorFrom } from './errors.ts'
import type { CafeTransport, CarBody, CarUploadInput } from './transport.ts'
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

  constructor (baseUrl: string, init: HttpTransportInit = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '')
    this.fetch = init.fetch ?? (async request => globalThis.fetch(request))
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
  async uploadCar (car: CarBody, input: CarUploadInput, auth: string, options: AbortOptions = {}): Promise<unknown> {
    const url = new URL(`${this.baseUrl}${PINNING_BASE_PATH}/car`)
    if (input.name != null) url.searchParams.set('name', input.name)
    if (input.meta != null) url.searchParams.set('meta', JSON.stringify(input.meta))
    const body = car instanceof Uint8Array || car instanceof Blob ? car : await gather(car)
    return this.answer(await this.fetch(new Request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.ipld.car', authorization: `Bearer ${auth}`, accept: 'application/json' },
      body: body as BodyInit,
      signal: options.signal
    })))
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

async function gather (chunks: AsyncIterable<Uint8Array>): Promise<Blob> {
  const parts: Uint8Array[] = []
  for await (const chunk of chunks) parts.push(chunk)
  return new Blob(parts as BlobPart[])
}
