/**
 * The libp2p door: protocol `/cafe/api/1.0.0`. Each stream carries one request
 * frame `{ op, auth?, input }` and one response frame; the remote peer id is
 * the rate-limit key. Like the HTTP door, it only translates: the rules live in
 * `CafeApi.call`. Owner operations are not reachable here.
 */
import { BadRequestError, PayloadTooLargeError, RateLimitedError, toCafeError } from '../errors.ts'
import { CAFE_PROTOCOL, MAX_MESSAGE_BYTES, decodeJson, encodeFrame } from './protocol.ts'
import { frameStream } from './stream.ts'
import type { CafeApi } from './api.ts'
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
  const signal = AbortSignal.timeout(init.timeoutMs ?? 30_000)
  const frames = frameStream(stream, init.maxMessageBytes ?? MAX_MESSAGE_BYTES)
  let response: ResponseFrame
  try {
    const request = parseRequest((await frames.read({ signal })).subarray())
    const output = await api.call({
      op: request.op,
      input: request.input,
      auth: request.auth,
      remote: connection.remotePeer.toString()
    }, { signal })
    response = { ok: true, output: output ?? null }
  } catch (err) {
    response = errorFrame(err)
    if (response.ok === false && response.error.status >= 500) log.error('request from %p failed: %o', connection.remotePeer, err)
  }
  try {
    await frames.write(encodeFrame(response), { signal })
    await stream.close({ signal })
  } catch (err) {
    stream.abort(err as Error)
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
