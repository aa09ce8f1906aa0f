/**
 * Reaches a cafe's HTTP API. It maps an operation to its method and path from
 * the same route table the cafe serves.
 */
import { cafeRoutes } from '../core/api/routes/index.ts'
import { HttpRouteTable } from '../core/api/http-routes.ts'
import { CafeError } from '../core/errors.ts'
import { cafeErrorFrom } from './transport.ts'
import type { CafeTransport } from './transport.ts'
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
    const response = await this.fetch(new Request(url, { method: route.method, headers, body, signal: options.signal }))
    const text = await response.text()
    let json: any
    try {
      json = text === '' ? undefined : JSON.parse(text)
    } catch {
      throw new CafeError(`the cafe answered ${response.status} with something other than JSON`, 'BAD_RESPONSE', response.status >= 400 ? response.status : 502)
    }
    if (!response.ok) throw cafeErrorFrom(json?.error, response.status, Number(response.headers.get('retry-after') ?? undefined) || undefined)
    return json
  }
}
