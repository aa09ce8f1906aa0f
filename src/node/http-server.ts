/**
 * Serves a `fetch(Request) → Response` handler over node:http: each Node request
 * becomes a standard Request (body streamed, `duplex: 'half'`, aborted when the client
 * goes away) and the Response body is streamed back with backpressure, never
 * gathered. Header size, body size and slow clients are bounded here, before the
 * handler runs.
 */
import { setMaxListeners } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { errorResponse } from '../core/api/http.ts'
import { CafeError } from '../core/errors.ts'
import type { ComponentLogger } from '@libp2p/interface'
import type { Socket } from 'node:net'

export interface FetchHandlerOptions {
  /** the client's IP address, for rate limits */
  remote: string
  /** aborted when the client disconnects before the response is finished (the Request's own signal) */
  signal: AbortSignal
}

export type FetchHandler = (request: Request, options: FetchHandlerOptions) => Promise<Response>

export interface HttpServerLimits {
  /** request line plus headers; larger → 431 (node:http). Default 16 KiB */
  maxHeaderBytes?: number
  /** any request body; a declared larger one → 413 before the handler runs, a longer stream is cut. Default 1 GiB */
  maxBodyBytes?: number
  /** time to receive the headers. Default 20 s */
  headersTimeoutMs?: number
  /** time to receive a whole request (uploads included). Default 10 min */
  requestTimeoutMs?: number
  /** idle keep-alive connections close after this. Default 5 s */
  keepAliveTimeoutMs?: number
}

export interface HttpServerInit {
  /** default 127.0.0.1 */
  host?: string
  /** default 8090; 0 picks a free port */
  port?: number
  limits?: HttpServerLimits
  logger: ComponentLogger
}

export interface FetchServer {
  readonly server: Server
  readonly host: string
  readonly port: number
  /** `http://<host>:<port>` (IPv6 hosts in brackets) */
  readonly url: string
  /** stops accepting, ends idle connections, and cuts the rest after `graceMs` (default 2 s) */
  close(graceMs?: number): Promise<void>
}

export const DEFAULT_HTTP_HOST = '127.0.0.1'
export const DEFAULT_HTTP_PORT = 8090

export const DEFAULT_HTTP_LIMITS: Readonly<Required<HttpServerLimits>> = Object.freeze({
  maxHeaderBytes: 16 * 1024,
  maxBodyBytes: 1024 * 1024 * 1024,
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 10 * 60_000,
  keepAliveTimeoutMs: 5_000
})

/** The same error body as the cafe's HTTP door: `{ error: { code, message } }`. */
export function jsonError (status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return errorResponse(new CafeError(message, code, status), headers)
}

function hostForUrl (host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

function headersOf (req: IncomingMessage): Headers {
  const headers = new Headers()
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1])
  return headers
}

/** The request body as a web stream that errors once it passes `limit` bytes. */
function bodyOf (req: IncomingMessage, limit: number): ReadableStream<Uint8Array> {
  let length = 0
  return new ReadableStream<Uint8Array>({
    start (controller) {
      req.on('data', (chunk: Buffer) => {
        length += chunk.byteLength
        if (length > limit) {
          controller.error(Object.assign(new Error(`the body is larger than ${limit} bytes`), { name: 'PayloadTooLargeError', status: 413 }))
          req.destroy()
          return
        }
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        if ((controller.desiredSize ?? 0) <= 0) req.pause()
      })
      req.once('end', () => { try { controller.close() } catch { /* already errored */ } })
      req.once('error', err => { try { controller.error(err) } catch { /* already errored */ } })
    },
    pull () { req.resume() },
    cancel () { req.resume() } // drain what is left so a keep-alive connection stays usable
  }, { highWaterMark: 4 })
}

/** Writes `chunk`, waiting for 'drain' when the socket buffer is full; false once the client is gone. */
async function write (res: ServerResponse, chunk: Uint8Array): Promise<boolean> {
  if (res.destroyed) return false
  if (res.write(chunk)) return true
  return new Promise(resolve => {
    const done = (ok: boolean) => () => { res.off('drain', onDrain); res.off('close', onClose); resolve(ok) }
    const onDrain = done(true)
    const onClose = done(false)
    res.once('drain', onDrain)
    res.once('close', onClose)
  })
}

async function send (res: ServerResponse, response: Response, head: boolean): Promise<void> {
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of response.headers) headers[name] = value
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) headers['set-cookie'] = cookies
  res.writeHead(response.status, response.statusText !== '' ? response.statusText : undefined, headers)
  if (response.body == null || head) {
    await response.body?.cancel()
    res.end()
    return
  }
  const reader = response.body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (!(await write(res, value))) return
    }
    res.end()
  } finally {
    reader.cancel().catch(() => {})
  }
}

export async function serveFetch (handler: FetchHandler, init: HttpServerInit): Promise<FetchServer> {
  const log = init.logger.forComponent('cafe:http-server')
  const limits = { ...DEFAULT_HTTP_LIMITS, ...init.limits }
  const host = init.host ?? DEFAULT_HTTP_HOST
  let origin = ''

  async function answer (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const controller = new AbortController()
    // 'close' on the response before it finished: the client went away (req 'close' also fires after a body is read)
    res.once('close', () => { if (!res.writableFinished) controller.abort(new Error('the client disconnected')) })
    const remote = req.socket.remoteAddress ?? 'unknown'
    let response: Response
    try {
      const target = req.url ?? ''
      const declared = Number(req.headers['content-length'] ?? 0)
      if (!target.startsWith('/')) {
        response = jsonError(400, 'INPUT_INVALID', 'the request target must be a path')
      } else if (declared > limits.maxBodyBytes) {
        response = jsonError(413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${limits.maxBodyBytes} bytes`, { connection: 'close' })
      } else {
        const method = req.method ?? 'GET'
        const hasBody = method !== 'GET' && method !== 'HEAD'
        const request = new Request(origin + target, {
          method,
          headers: headersOf(req),
          body: hasBody ? bodyOf(req, limits.maxBodyBytes) : undefined,
          signal: controller.signal,
          duplex: 'half'
        } as RequestInit)
        // the Request's own signal follows the controller; one gateway answer hands it to many concurrent block reads
        setMaxListeners(Infinity, request.signal)
        response = await handler(request, { remote, signal: request.signal })
      }
    } catch (err) {
      if (controller.signal.aborted) return
      log.error('%s %s failed - %e', req.method, req.url, err)
      response = jsonError(500, 'INTERNAL', 'the request failed')
    }
    if (controller.signal.aborted) {
      await response.body?.cancel().catch(() => {})
      return
    }
    try {
      await send(res, response, req.method === 'HEAD')
    } catch (err) {
      // the headers are out: cut the connection so the client sees a truncated body, not a complete one
      if (!controller.signal.aborted) log.error('%s %s failed while streaming - %e', req.method, req.url, err)
      res.destroy()
    }
  }

  const server = createServer({
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs
  }, (req, res) => { void answer(req, res) })
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request'
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(init.port ?? DEFAULT_HTTP_PORT, host, () => { server.off('error', reject); resolve() })
  })
  const address = server.address()
  const port = typeof address === 'object' && address != null ? address.port : init.port ?? DEFAULT_HTTP_PORT
  origin = `http://${hostForUrl(host)}:${port}`
  log('listening on %s', origin)

  return {
    server,
    host,
    port,
    url: origin,
    async close (graceMs = 2_000) {
      const closed = new Promise<void>(resolve => { server.close(() => { resolve() }) })
      server.closeIdleConnections()
      const timer = setTimeout(() => { server.closeAllConnections() }, graceMs)
      try { await closed } finally { clearTimeout(timer) }
    }
  }
}
