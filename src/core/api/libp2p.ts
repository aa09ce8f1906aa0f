/**
 * The libp2p door: protocol `/cafe/api/1.0.0`. Each stream carries one request
 * frame `{ op, auth?, input }` and one response frame; the remote peer id is
 * the rate-limit key, and failure limits count the remote address as well
 * (`remoteAddressOf`). Like the HTTP door, it only translates: the rules live in
 * `CafeApi.call`. Owner operations are not reachable here.
 */
import { BadRequestError, PayloadTooLargeError, RateLimitedError, toCafeError } from '../errors.ts'
import { CAFE_PROTOCOL, MAX_MESSAGE_BYTES, decodeJson, encodeFrame } from './protocol.ts'
import { frameStream, streamScope } from './stream.ts'
import type { Caller } from '../util/rate-limiter.ts'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { LengthPrefixedStream } from '@libp2p/utils'
import { KEEP_OPEN } from './route.ts'
import type { CafeApi } from './api.ts'
import type { StreamRoute } from './route.ts'
import type { RateBuckets } from './buckets.ts'
import type { AccountService } from '../accounts/accounts.ts'
import type { RequestFrame, ResponseFrame } from './protocol.ts'
import type { AbortOptions, ComponentLogger } from '../types.ts'
import type { Connection, Logger, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'

/** The part of a libp2p node this door needs. */
export interface ProtocolHost {
  handle (protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
  unhandle (protocol: string, options?: AbortOptions): Promise<void>
}

export interface CafeProtocolInit {
  logger: ComponentLogger
  /** default 1 MiB */
  maxMessageBytes?: number
  /** time for the request to arrive and the answer to go out; default 30 s */
  timeoutMs?: number
  /** default 32 */
  maxInboundStreams?: number
}

/** The first four groups of an IPv6 address: one host is given a whole /64, so it is the unit a limit counts. */
function ipv6Prefix (ip: string): string {
  const [head, tail = ''] = ip.split('%')[0].split('::')
  const front = head === '' ? [] : head.split(':')
  const back = tail === '' ? [] : tail.split(':')
  const groups = ip.includes('::') ? [...front, ...Array.from({ length: Math.max(0, 8 - front.length - back.length) }, () => '0'), ...back] : front
  return `${groups.slice(0, 4).map(group => group.replace(/^0+(?=.)/, '').toLowerCase()).join(':')}::/64`
}

/**
 * The network address a libp2p caller is counted by, beside its peer id (which costs
 * nothing to make):
 * - a direct connection: its IP (`ip:1.2.3.4`; IPv6 by its /64, which one host holds whole);
 * - a relayed connection (`/p2p-circuit`): the relay (`relay:<relay peer id>`). The cafe only
 *   sees the relay's end of the circuit; the relay sees the client's IP and limits it itself.
 *   The cafe accepts circuits only through relays it holds a reservation on, so a hostile
 *   peer cannot switch to a fresh address, at the cost that everyone behind one relay shares
 *   its address allowance (which is why an address gets several times a peer's);
 * - an address that names no host (the answering side of a WebRTC connection is
 *   `/webrtc/p2p/<peer>`): undefined, so only the peer id counts. Setting up such a
 *   connection takes a signalling round over a relayed circuit, which the relay limits by IP.
 */
export function remoteAddressOf (addr: Multiaddr): string | undefined {
  const components = addr.getComponents()
  const circuit = components.findIndex(component => component.name === 'p2p-circuit')
  if (circuit !== -1) {
    const relay = components.slice(0, circuit).reverse().find(component => component.name === 'p2p')?.value
    if (relay != null) return `relay:${relay}`
  }
  const host = components.find(component => component.name === 'ip4' || component.name === 'ip6')
  if (host?.value == null) return undefined
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host.value)
  if (host.name === 'ip4' || mapped != null) return `ip:${mapped?.[1] ?? host.value}`
  return `ip:${ipv6Prefix(host.value)}`
}

/** The remote of a libp2p connection as the limits count it. */
export function callerOf (connection: Pick<Connection, 'remotePeer' | 'remoteAddr'>): Caller & { remote: string } {
  return { remote: connection.remotePeer.toString(), address: remoteAddressOf(connection.remoteAddr) }
}

/** How long the remote may keep its end open once the answer is sent. */
const LINGER_MS = 10_000
/** How long sending the answer may take (a 1 MiB frame over a slow relayed link). */
const ANSWER_MS = 30_000

/**
 * Closes our end of a stream whose exchange is over. The stream is only freed (and its
 * slot of `maxInboundStreams` given back) once the remote closes its end too, so a
 * remote that does not is cut off after a short grace, long enough to read the answer.
 */
export async function finish (stream: Stream, options: AbortOptions = {}): Promise<void> {
  try {
    await stream.close(options)
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    return
  }
  if (stream.status === 'closed' || stream.status === 'aborted' || stream.status === 'reset') return
  const timer = setTimeout(() => { stream.abort(new Error('the remote kept the stream open after the answer')) }, LINGER_MS)
  stream.addEventListener('close', () => { clearTimeout(timer) }, { once: true })
}

/**
 * Writes the one response frame and finishes the stream, in bounded time whatever the
 * handler's own signal says (a 408 is still worth sending); a stream the remote already
 * dropped is aborted instead (nobody is there to read the answer).
 */
export async function answer (stream: Stream, frames: LengthPrefixedStream<any>, response: ResponseFrame): Promise<void> {
  if (stream.writeStatus !== 'writable') {
    stream.abort(new Error('the stream closed before the answer'))
    return
  }
  try {
    await frames.write(encodeFrame(response), { signal: AbortSignal.timeout(ANSWER_MS) })
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    return
  }
  await finish(stream, { signal: AbortSignal.timeout(ANSWER_MS) })
}

function parseRequest (bytes: Uint8Array): RequestFrame {
  const frame = decodeJson(bytes) as Partial<RequestFrame> | undefined
  if (frame == null || typeof frame !== 'object' || Array.isArray(frame) || typeof frame.op !== 'string') {
    throw new BadRequestError('the request frame must be a JSON object with an op', 'FRAME_INVALID')
  }
  if (frame.auth != null && typeof frame.auth !== 'string') throw new BadRequestError('auth must be a string', 'FRAME_INVALID')
  return { op: frame.op, auth: frame.auth, input: frame.input }
}

/** An error as the response frame both cafe protocols answer with. */
export function errorFrame (err: unknown): ResponseFrame {
  const name = (err as Error)?.name
  if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
    err = new PayloadTooLargeError('the request frame is too large', 'MESSAGE_TOO_LARGE')
  } else if (name === 'UnexpectedEOFError') {
    err = new BadRequestError('the stream ended before a whole request frame', 'FRAME_INVALID')
  }
  const error = toCafeError(err)
  return {
    ok: false,
    error: {
      ...error.toJSON(),
      status: error.status,
      ...(error instanceof RateLimitedError ? { retryAfter: error.retryAfterSeconds } : {})
    }
  }
}

export async function handleCafeStream (api: CafeApi<any>, stream: Stream, connection: Connection, init: CafeProtocolInit, log: Logger): Promise<void> {
  const { signal, done } = streamScope(stream, init.timeoutMs ?? 30_000)
  const frames = frameStream(stream, init.maxMessageBytes ?? MAX_MESSAGE_BYTES)
  const caller = callerOf(connection)
  let response: ResponseFrame
  try {
    const request = parseRequest((await frames.read({ signal })).subarray())
    const output = await api.call({
      op: request.op,
      input: request.input,
      auth: request.auth,
      remote: caller.remote,
      remoteAddress: caller.address
    }, { signal })
    response = { ok: true, output: output ?? null }
  } catch (err) {
    // once the stream is gone or out of time, that is why whatever failed, failed
    response = errorFrame(signal.aborted ? signal.reason : err)
    if (response.ok === false && response.error.status >= 500) log.error('request from %p failed: %o', connection.remotePeer, err)
  }
  try {
    await answer(stream, frames, response)
  } finally {
    done()
  }
}

/** Serves the cafe API on a libp2p node; returns a function that stops serving. */
export async function registerCafeProtocol (node: ProtocolHost, api: CafeApi<any>, init: CafeProtocolInit): Promise<() => Promise<void>> {
  const log = init.logger.forComponent('cafe:api:libp2p')
  await node.handle(CAFE_PROTOCOL, (stream, connection) => {
    handleCafeStream(api, stream, connection, init, log).catch(err => { log.error('stream failed: %o', err) })
    // relayed connections are 'limited' in libp2p 3: the cafe must answer over them too
  }, { maxInboundStreams: init.maxInboundStreams ?? 32, runOnLimitedConnection: true })
  return async () => { await node.unhandle(CAFE_PROTOCOL) }
}

/** The stream-route frames after the request frame, up to the empty frame that ends them. */
async function * frameChunks (frames: LengthPrefixedStream<any>, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  for (;;) {
    const chunk = (await frames.read({ signal })).subarray()
    if (chunk.byteLength === 0) return
    yield chunk
  }
}

function streamRequest (bytes: Uint8Array): { auth?: string, input: Record<string, unknown> } {
  const frame = decodeJson(bytes) as { auth?: unknown, input?: unknown } | undefined
  if (frame == null || typeof frame !== 'object' || Array.isArray(frame)) throw new BadRequestError('the first frame must be a JSON object', 'FRAME_INVALID')
  const input = frame.input ?? {}
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new BadRequestError('input must be a JSON object', 'INPUT_INVALID')
  return { auth: typeof frame.auth === 'string' ? frame.auth : undefined, input: input as Record<string, unknown> }
}

export interface StreamRouteComponents {
  accounts: AccountService
  buckets: RateBuckets
  services: unknown
}

/**
 * One stream of a stream route: its bucket, the request frame `{ auth, input }`, the
 * access token, then the handler, all under the stream's scope (the route's timeout,
 * and the stream's end). The handler's output is the one answer, unless it keeps the
 * stream open (KEEP_OPEN) and answers itself.
 */
export async function handleStreamRoute (route: StreamRoute, components: StreamRouteComponents, stream: Stream, connection: Connection, log: Logger): Promise<void> {
  const { signal, done } = streamScope(stream, route.timeoutMs)
  const frames = frameStream(stream, MAX_MESSAGE_BYTES)
  const caller = callerOf(connection)
  let response: ResponseFrame
  try {
    components.buckets[route.rateLimit].take(caller)
    const request = streamRequest((await frames.read({ signal })).subarray())
    const session = await components.accounts.authenticate(request.auth, { signal, caller })
    const output = await route.handler({
      services: components.services,
      input: route.input(request.input),
      account: session.account,
      expiresAt: session.expiresAt,
      credential: undefined,
      remote: caller.remote,
      remoteAddress: caller.address,
      signal,
      body: frameChunks(frames, signal),
      link: { stream, frames }
    })
    if (output === KEEP_OPEN) return
    response = { ok: true, output: output ?? null }
  } catch (err) {
    // once the stream is gone or out of time, that is why whatever failed, failed
    response = errorFrame(signal.aborted ? signal.reason : err)
    if (response.ok === false && response.error.status >= 500) log.error('%s from %p failed: %o', route.op, connection.remotePeer, err)
  } finally {
    done()
  }
  await answer(stream, frames, response)
}

export interface ProtocolsInit extends StreamRouteComponents {
  api: CafeApi<any>
  streams: ReadonlyArray<StreamRoute<any>>
  logger: ComponentLogger
}

/**
 * Serves the registry on a libp2p node: the API protocol (`/cafe/api/1.0.0`) and each
 * stream route's protocol with its declared limits. Returns a function that stops serving.
 */
export async function registerProtocols (node: ProtocolHost, init: ProtocolsInit): Promise<() => Promise<void>> {
  const stops = [await registerCafeProtocol(node, init.api, { logger: init.logger })]
  for (const route of init.streams) {
    if (route.protocol === CAFE_PROTOCOL) throw new Error(`${route.op} takes the API's protocol`)
    const log = init.logger.forComponent(`cafe:api:${route.op}`)
    await node.handle(route.protocol, (stream, connection) => {
      handleStreamRoute(route, init, stream, connection, log).catch(err => { log.error('stream failed: %o', err) })
    }, { maxInboundStreams: route.maxInboundStreams, runOnLimitedConnection: true })
    stops.push(async () => { await node.unhandle(route.protocol) })
  }
  return async () => { await Promise.all(stops.map(async stop => stop())) }
}

