/**
 * Serves a `fetch(Request) → Response` handler over node:http: each Node request
 * becomes a standard Request (body streamed, `duplex: 'half'`, aborted when the client
 * goes away; a GET or HEAD a lazy one, incoming-request.ts) and the Response body is
 * streamed back with backpressure, never gathered (chunks already at hand go out in one
 * write; a TextResponse in one write with its length). Header size, body size and slow clients are bounded here, before the
 * handler runs. Whatever a client does (drop at any byte, send what Node's parser
 * refuses, lie about its length) ends in a JSON 4xx or a closed socket, never in an
 * error that escapes. A handler must read the body it needs before it answers: an
 * answer sent earlier stops the body and closes the connection once it is drained.
 */
import { setMaxListeners } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { errorResponse } from '../core/api/http.ts'
import { BodilessRequest } from './incoming-request.ts'
import { TextResponse } from './text-response.ts'
import { CafeError, PayloadTooLargeError } from '../core/errors.ts'
import type { CafeErrorCode } from '../core/errors.ts'
import { redactError, redactUrl } from '../core/util/redact-url.ts'
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
  /** any request body; a declared larger one → 413 before the handler runs, a longer stream errors (413). Default 1 GiB */
  maxBodyBytes?: number
  /** time to receive the headers (408). Default 20 s */
  headersTimeoutMs?: number
  /** time to receive a whole request, uploads included (408). Default 10 min */
  requestTimeoutMs?: number
  /** idle keep-alive connections close after this. Default 5 s */
  keepAliveTimeoutMs?: number
}

/** One answered request, for metrics: told once its response ended (or the client went away). */
export interface ServedRequest {
  method: string
  /** the path without the query (which may carry a key) */
  pathname: string
  /** 0 when the client went away before an answer */
  status: number
  /** body bytes written to the socket */
  bytes: number
  /** from the request's headers to the response's end */
  seconds: number
}

export interface HttpServerInit {
  /** default 127.0.0.1 */
  host?: string
  /** default 8090; 0 picks a free port */
  port?: number
  limits?: HttpServerLimits
  logger: ComponentLogger
  /** told of every answered request (metrics); must not throw */
  onServed?(served: ServedRequest): void
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
export function jsonError (status: number, code: CafeErrorCode, message: string, headers: Record<string, string> = {}): Response {
  return errorResponse(new CafeError(message, code, status), headers)
}

/** Methods the fetch API refuses to carry: answered 405 here, with the Allow the handler gives for OPTIONS. */
const FETCH_FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK'])

/**
 * After an early answer (the body not read to its end) the connection is closed, but only
 * after the rest of the body has been read and dropped, up to these bounds: closing a
 * socket with unread input resets it, and the client may lose the answer it has not read.
 */
const LINGER_MS = 2_000
const LINGER_BYTES = 16 * 1024 * 1024

/** How often Node checks the header and request timeouts: a small fraction of the shorter one, at most 500 ms. */
function checkingInterval (limits: Required<HttpServerLimits>): number {
  return Math.max(20, Math.min(500, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 20)))
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

interface RequestBody {
  stream: ReadableStream<Uint8Array>
  /** drop whatever else arrives (read and discarded, never buffered) */
  stop(): void
}

/** The request body as a web stream that errors once it passes `limit` bytes. */
function bodyOf (req: IncomingMessage, limit: number): RequestBody {
  let length = 0
  let open = true
  const stop = (): void => {
    open = false
    req.resume()
  }
  const stream = new ReadableStream<Uint8Array>({
    start (controller) {
      const fail = (err: Error): void => {
        if (!open) return
        stop()
        controller.error(err)
      }
      req.on('data', (chunk: Buffer) => {
        if (!open) return
        length += chunk.byteLength
        if (length > limit) { fail(new PayloadTooLargeError(`the body is larger than ${limit} bytes`)); return }
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        if ((controller.desiredSize ?? 0) <= 0) req.pause()
      })
      req.once('end', () => {
        if (!open) return
        open = false
        controller.close()
      })
      req.once('error', fail)
      req.once('close', () => { fail(new DOMException('the client disconnected', 'AbortError')) })
    },
    pull () { if (open) req.resume() },
    cancel () { stop() }
  }, { highWaterMark: 4 })
  return { stream, stop }
}

/** Reads and drops the rest of a request body, until it ends or the linger bounds are reached. */
async function drainBody (req: IncomingMessage): Promise<void> {
  if (req.complete || req.destroyed) return
  await new Promise<void>(resolve => {
    let length = 0
    const done = (): void => {
      clearTimeout(timer)
      req.off('data', onData)
      req.off('end', done)
      req.off('close', done)
      resolve()
    }
    const onData = (chunk: Buffer): void => { length += chunk.byteLength; if (length > LINGER_BYTES) done() }
    const timer = setTimeout(done, LINGER_MS)
    req.on('data', onData)
    req.once('end', done)
    req.once('close', done)
    req.resume()
  })
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

/** Chunks a body already holds are gathered up to this size for one write. */
const WRITE_BATCH_BYTES = 1024 * 1024
const NOT_READY = Symbol('not ready')
/** settled already: a race against it tells whether a read is settled too (its reaction runs first) */
const notReady = Promise.resolve(NOT_READY)

/** Writes `chunks` as one socket write; false once the client is gone. */
async function writeAll (res: ServerResponse, chunks: Uint8Array[]): Promise<boolean> {
  if (chunks.length === 1) return write(res, chunks[0])
  if (res.destroyed) return false
  res.cork()
  for (let i = 0; i < chunks.length - 1; i++) res.write(chunks[i])
  const last = write(res, chunks[chunks.length - 1])
  res.uncork()
  return last
}

interface SendOptions {
  head: boolean
  /** added to the response's own headers */
  headers?: Record<string, string>
  /** runs after the body is written, before the response ends */
  beforeEnd?: () => Promise<void>
  /** counts the body bytes written */
  sent?: { bytes: number }
}

/** Resolves undefined after pending I/O callbacks have run (a setImmediate). */
async function nextTurn (): Promise<undefined> {
  return new Promise(resolve => { setImmediate(resolve, undefined) })
}

/** Up to this much of an answer that waits before it ends is read first, to send it with its length. */
const EARLY_BODY_BYTES = 64 * 1024

/** Streams the response; the body's reader is released (cancelled) however it ends. */
async function send (res: ServerResponse, response: Response, options: SendOptions): Promise<void> {
  // a JSON answer whose text is at hand: one write with its length, no stream
  if (response instanceof TextResponse && !response.bodyUsed && options.beforeEnd == null) {
    const text = response.bodyText
    const length = text == null ? 0 : Buffer.byteLength(text)
    res.writeHead(response.status, text == null ? { ...response.fields, ...options.headers } : { ...response.fields, 'content-length': String(length), ...options.headers })
    if (text == null || options.head) res.end()
    else res.end(text)
    if (!options.head && options.sent != null) options.sent.bytes += length
    return
  }
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of response.headers) headers[name] = value
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) headers['set-cookie'] = cookies
  Object.assign(headers, options.headers)
  const reader = options.head ? undefined : response.body?.getReader()
  try {
    // an answer that waits before it ends (draining the request) goes with its length when it is
    // small (error bodies are), so the client can read it whole without waiting for the end
    const first: Uint8Array[] = []
    let complete = reader == null
    let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined
    if (reader != null && options.beforeEnd == null) {
      // a body that is over by the next turn (an API answer) goes out as one write with its
      // length, as a bare server sends it, rather than chunked in three writes
      const head = await reader.read()
      if (head.done) complete = true
      else {
        first.push(head.value)
        pending = reader.read()
        const next = await Promise.race([pending, nextTurn()])
        if (next != null) {
          pending = undefined
          if (next.done) complete = true
          else first.push(next.value)
        }
      }
      if (complete && !('content-length' in headers)) headers['content-length'] = String(first.reduce((sum, chunk) => sum + chunk.byteLength, 0))
    } else if (reader != null && options.beforeEnd != null) {
      let length = 0
      while (length <= EARLY_BODY_BYTES) {
        const { done, value } = await reader.read()
        if (done) { complete = true; break }
        first.push(value)
        length += value.byteLength
      }
      if (complete) headers['content-length'] = String(length)
    }
    res.writeHead(response.status, response.statusText !== '' ? response.statusText : undefined, headers)
    const sent = options.sent ?? { bytes: 0 }
    if (complete && first.length === 1 && options.beforeEnd == null) {
      res.end(first[0])
      sent.bytes += first[0].byteLength
      return
    }
    for (const chunk of first) {
      if (!(await write(res, chunk))) return
      sent.bytes += chunk.byteLength
    }
    while (!complete && reader != null) {
      const { done, value } = await (pending ?? reader.read())
      pending = undefined
      if (done) break
      // chunks the body already holds go out with this one in one write (writev): 32 MiB in
      // 64 KiB chunks took about 10% less event-loop time so, in 256 KiB chunks about 20% less
      const batch = [value]
      let length = value.byteLength
      while (length < WRITE_BATCH_BYTES) {
        pending = reader.read()
        const ready = await Promise.race([pending, notReady])
        if (ready === NOT_READY) break
        pending = undefined
        if (ready.done) { complete = true; break }
        batch.push(ready.value)
        length += ready.value.byteLength
      }
      if (!(await writeAll(res, batch))) return
      sent.bytes += length
    }
    await options.beforeEnd?.()
    res.end()
  } finally {
    if (reader != null) reader.cancel().catch(() => {})
    else await response.body?.cancel().catch(() => {})
  }
}

/** A complete HTTP/1.1 error response for a socket the HTTP parser gave up on. */
function rawJsonError (status: number, reason: string, code: CafeErrorCode, message: string): string {
  const body = JSON.stringify({ error: { code, message } })
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncache-control: no-store\r\n` +
    `x-content-type-options: nosniff\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
}

/** The JSON answer to a request the HTTP parser refused, by Node's error code. */
function clientErrorResponse (code: string | undefined): string {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW': return rawJsonError(431, 'Request Header Fields Too Large', 'HEADERS_TOO_LARGE', 'the request line and headers are too large')
    case 'ERR_HTTP_REQUEST_TIMEOUT': return rawJsonError(408, 'Request Timeout', 'REQUEST_TIMEOUT', 'the request took too long to arrive')
    case 'HPE_INVALID_METHOD': return rawJsonError(400, 'Bad Request', 'METHOD_INVALID', 'unknown HTTP method')
    default: return rawJsonError(400, 'Bad Request', 'BAD_REQUEST', 'malformed HTTP request')
  }
}

export async function serveFetch (handler: FetchHandler, init: HttpServerInit): Promise<FetchServer> {
  const log = init.logger.forComponent('cafe:http-server')
  const limits = { ...DEFAULT_HTTP_LIMITS, ...init.limits }
  const host = init.host ?? DEFAULT_HTTP_HOST
  let origin = ''
  /** the response in progress on each socket, for the clientError handler */
  const responding = new WeakMap<Socket, ServerResponse>()
  /** sockets the clientError handler answered (or cut) */
  const answered = new WeakSet<Socket>()

  /** TRACE and the like: the handler's OPTIONS answer says which methods the path has. */
  async function forbiddenMethod (method: string, url: string, headers: Headers, options: FetchHandlerOptions): Promise<Response> {
    const probe = await handler(new Request(url, { method: 'OPTIONS', headers, signal: options.signal }), options)
    if (probe.status === 404) return probe
    await probe.body?.cancel().catch(() => {})
    const allow = probe.headers.get('allow')
    return jsonError(405, 'METHOD_NOT_ALLOWED', allow != null ? `use ${allow}` : `${method} is not supported`, allow != null ? { allow } : {})
  }

  async function answer (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const controller = new AbortController()
    // 'close' on the response before it finished: the client went away (req 'close' also fires after a body is read)
    res.once('close', () => { if (!res.writableFinished) controller.abort(new DOMException('the client disconnected', 'AbortError')) })
    responding.set(req.socket, res)
    res.once('finish', () => { if (responding.get(req.socket) === res) responding.delete(req.socket) })
    const remote = req.socket.remoteAddress ?? 'unknown'
    const method = req.method ?? 'GET'
    const target = req.url ?? ''
    const sent = { bytes: 0 }
    let status = 0
    if (init.onServed != null) {
      const started = performance.now()
      res.once('close', () => {
        const query = target.indexOf('?')
        init.onServed?.({ method, pathname: query < 0 ? target : target.slice(0, query), status, bytes: sent.bytes, seconds: (performance.now() - started) / 1000 })
      })
    }
    let response: Response
    let body: RequestBody | undefined
    try {
      const declared = Number(req.headers['content-length'] ?? 0)
      if (!target.startsWith('/')) {
        response = jsonError(400, 'INPUT_INVALID', 'the request target must be a path')
      } else if (declared > limits.maxBodyBytes) {
        response = jsonError(413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${limits.maxBodyBytes} bytes`)
      } else {
        let request: Request | undefined
        let headers: Headers | undefined
        try {
          if ((method === 'GET' || method === 'HEAD') && URL.canParse(origin + target)) {
            request = new BodilessRequest(origin + target, method, req.rawHeaders, controller.signal)
            headers = request.headers
          } else {
            headers = headersOf(req)
            if (!FETCH_FORBIDDEN_METHODS.has(method)) {
              body = method !== 'GET' && method !== 'HEAD' ? bodyOf(req, limits.maxBodyBytes) : undefined
              request = new Request(origin + target, { method, headers, body: body?.stream, signal: controller.signal, duplex: 'half' } as RequestInit)
            }
          }
        } catch (err) {
          // only the client's input (target, method, headers) can make a Request fail
          log('%s %s cannot be a Request - %s', method, redactUrl(target), redactError(err))
        }
        if (headers == null || (request == null && !FETCH_FORBIDDEN_METHODS.has(method))) {
          response = jsonError(400, 'BAD_REQUEST', 'the request line or headers cannot be read')
        } else if (request == null) {
          response = await forbiddenMethod(method, origin + target, headers, { remote, signal: controller.signal })
        } else {
          // one gateway answer hands the signal to many concurrent block reads
          setMaxListeners(Infinity, request.signal)
          response = await handler(request, { remote, signal: request.signal })
        }
      }
    } catch (err) {
      if (controller.signal.aborted) return
      log.error('%s %s failed - %s', method, redactUrl(target), redactError(err))
      response = jsonError(500, 'INTERNAL', 'the request failed')
    }
    if (controller.signal.aborted) {
      body?.stop()
      await response.body?.cancel().catch(() => {})
      return
    }
    status = response.status
    if (response.status >= 500) log.error('%s %s answered %d', method, redactUrl(target), response.status)
    else if (log.enabled) log('%s %s %d', method, redactUrl(target), response.status)
    // an answer before the body was read to its end: drop the rest, and close once it is read (bounded)
    const early = !req.complete
    if (early) body?.stop()
    try {
      await send(res, response, {
        head: method === 'HEAD',
        headers: early ? { connection: 'close' } : undefined,
        beforeEnd: early ? async () => drainBody(req) : undefined,
        sent
      })
    } catch (err) {
      // the headers are out: cut the connection so the client sees a truncated body, not a complete one
      if (!controller.signal.aborted) log.error('%s %s failed while streaming - %s', method, redactUrl(target), redactError(err))
      res.destroy()
    }
  }

  const server = createServer({
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks both timeouts only this often (default 30 s, so a 20 s limit held for up to 50 s)
    connectionsCheckingInterval: checkingInterval(limits)
  }, (req, res) => {
    answer(req, res).catch(err => {
      log.error('%s %s failed - %s', req.method, redactUrl(req.url), redactError(err))
      res.destroy()
    })
  })
  /** Answers a socket the HTTP layer will not serve further, then reads and drops a moment so the close does not reset the answer away. */
  function answerAndClose (socket: Socket, raw: string): void {
    socket.end(raw)
    socket.resume()
    const timer = setTimeout(() => { socket.destroy() }, LINGER_MS)
    timer.unref()
    socket.once('close', () => { clearTimeout(timer) })
  }
  // the cafe is no proxy: CONNECT (which Node hands over as a bare socket) is 405
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    answerAndClose(socket, rawJsonError(405, 'Method Not Allowed', 'METHOD_NOT_ALLOWED', 'the cafe is not a proxy'))
  })
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // the parser reports every later chunk of a socket it gave up on again: answered once, then ignored
    if (answered.has(socket)) return
    answered.add(socket)
    log('client error %s from %s', err.code, socket.remoteAddress)
    // a response already under way cannot be replaced: cut it
    if (!socket.writable || err.code === 'ECONNRESET' || responding.get(socket)?.headersSent === true) {
      socket.destroy()
      return
    }
    answerAndClose(socket, clientErrorResponse(err.code))
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
