/**
 * A small client of a remote IPFS Pinning Service API 1.0 (an IPFS Cluster, a Kubo-based or
 * commercial service, another cafe): POST /pins, GET /pins/{requestid}, DELETE
 * /pins/{requestid}, over an injected `fetch`. Every failure is a RemotePinningError whose
 * code says whether to try again; its message never holds the access token.
 */
import { PIN_STATES } from './pin-status.ts'
import type { Pin, PinStatus } from './pin-status.ts'
import type { AbortOptions } from '../types.ts'

export type Fetch = (input: string, init: RequestInit) => Promise<Response>

export type RemotePinningErrorCode =
  /** no answer: the service is down, unreachable, or the connection broke */
  | 'REMOTE_UNREACHABLE'
  /** no answer within the request's time limit */
  | 'REMOTE_TIMEOUT'
  /** 401 or 403: the access token is wrong or expired */
  | 'REMOTE_UNAUTHORIZED'
  /** 404: the service does not know the request id */
  | 'REMOTE_NOT_FOUND'
  /** another 4xx answer (the spec's `{ error: { reason, details } }`) */
  | 'REMOTE_REFUSED'
  /** a 5xx answer, or a body that is not a PinStatus */
  | 'REMOTE_FAILED'

export class RemotePinningError extends Error {
  static override name = 'RemotePinningError'
  override name = 'RemotePinningError'
  readonly code: RemotePinningErrorCode
  readonly status?: number

  constructor (message: string, code: RemotePinningErrorCode, status?: number) {
    super(message)
    this.code = code
    this.status = status
  }
}

export interface RemotePinningClientInit {
  /** the service's base URL, without /pins (`https://cluster.example/pinning`) */
  endpoint: string
  accessToken: string
  /** default globalThis.fetch */
  fetch?: Fetch
}

export interface RemotePinningClient {
  add (pin: Pin, options?: AbortOptions): Promise<PinStatus>
  get (requestid: string, options?: AbortOptions): Promise<PinStatus>
  /** GET /pins?cid=…, every status, newest first (at most `limit`) */
  find (cid: string, options?: AbortOptions & { limit?: number }): Promise<PinStatus[]>
  /** resolves also when the service no longer knows the request id */
  remove (requestid: string, options?: AbortOptions): Promise<void>
}

class DefaultRemotePinningClient implements RemotePinningClient {
  private readonly base: string
  private readonly accessToken: string
  private readonly fetch: Fetch

  constructor (init: RemotePinningClientInit) {
    this.base = init.endpoint.replace(/\/+$/, '')
    this.accessToken = init.accessToken
    this.fetch = init.fetch ?? (async (input, requestInit) => globalThis.fetch(input, requestInit))
  }

  async add (pin: Pin, options?: AbortOptions): Promise<PinStatus> {
    return pinStatusOf(await this.request('POST', '/pins', pin, options))
  }

  async get (requestid: string, options?: AbortOptions): Promise<PinStatus> {
    return pinStatusOf(await this.request('GET', `/pins/${encodeURIComponent(requestid)}`, undefined, options))
  }

  async find (cid: string, options?: AbortOptions & { limit?: number }): Promise<PinStatus[]> {
    const query = new URLSearchParams({ cid, status: 'queued,pinning,pinned,failed', limit: String(options?.limit ?? 100) })
    const answer = await this.request('GET', `/pins?${query}`, undefined, options) as { results?: unknown } | undefined
    if (!Array.isArray(answer?.results)) throw new RemotePinningError('the answer is not a list of PinStatus', 'REMOTE_FAILED')
    return answer.results.map(pinStatusOf)
  }

  async remove (requestid: string, options?: AbortOptions): Promise<void> {
    try {
      await this.request('DELETE', `/pins/${encodeURIComponent(requestid)}`, undefined, options)
    } catch (err) {
      if ((err as RemotePinningError).code !== 'REMOTE_NOT_FOUND') throw err
    }
  }

  private async request (method: string, path: string, body: unknown, options?: AbortOptions): Promise<unknown> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.accessToken}`, accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    let response: Response
    try {
      response = await this.fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: options?.signal })
    } catch (err) {
      if (options?.signal?.aborted === true) {
        const timedOut = (options.signal.reason as Error | undefined)?.name === 'TimeoutError'
        if (timedOut) throw new RemotePinningError(`${method} ${path}: no answer in time`, 'REMOTE_TIMEOUT')
        throw options.signal.reason
      }
      // fetch's own message ("fetch failed") and its cause's code, never the request's headers
      const cause = (err as { cause?: { code?: unknown } }).cause?.code
      throw new RemotePinningError(`${method} ${path}: unreachable (${typeof cause === 'string' ? cause : (err as Error).message})`, 'REMOTE_UNREACHABLE')
    }
    const text = await response.text().catch(() => '')
    if (response.ok) {
      if (text === '') return undefined
      try { return JSON.parse(text) } catch { throw new RemotePinningError(`${method} ${path}: the answer is not JSON`, 'REMOTE_FAILED', response.status) }
    }
    throw new RemotePinningError(`${method} ${path}: ${response.status} ${reasonOf(text)}`.trim(), codeOf(response.status), response.status)
  }
}

function codeOf (status: number): RemotePinningErrorCode {
  if (status === 401 || status === 403) return 'REMOTE_UNAUTHORIZED'
  if (status === 404) return 'REMOTE_NOT_FOUND'
  if (status >= 500) return 'REMOTE_FAILED'
  return 'REMOTE_REFUSED'
}

/** The spec's `{ error: { reason, details } }`, shortened; empty if the body is something else. */
function reasonOf (text: string): string {
  try {
    const { error } = JSON.parse(text) as { error?: { reason?: unknown, details?: unknown } }
    const parts = [error?.reason, error?.details].filter(part => typeof part === 'string')
    return parts.join(': ').slice(0, 200)
  } catch {
    return ''
  }
}

function pinStatusOf (value: unknown): PinStatus {
  const status = value as Partial<PinStatus> | null
  if (status == null || typeof status !== 'object' || typeof status.requestid !== 'string' || status.requestid === '' ||
    !PIN_STATES.includes(status.status as PinStatus['status'])) {
    throw new RemotePinningError('the answer is not a PinStatus', 'REMOTE_FAILED')
  }
  return {
    requestid: status.requestid,
    status: status.status as PinStatus['status'],
    created: typeof status.created === 'string' ? status.created : '',
    pin: status.pin as Pin,
    delegates: Array.isArray(status.delegates) ? status.delegates.filter(d => typeof d === 'string') : [],
    info: status.info != null && typeof status.info === 'object' ? status.info : {}
  }
}

export function createRemotePinningClient (init: RemotePinningClientInit): RemotePinningClient {
  return new DefaultRemotePinningClient(init)
}
