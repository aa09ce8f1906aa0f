/**
 * CAR upload over libp2p: protocol `/cafe/car/1.0.0`, for clients that cannot serve
 * their blocks. One stream carries a request frame `{ auth, input: { name?, meta? } }`,
 * then the CAR as length-prefixed chunks ended by an empty frame; the answer is one
 * response frame with the pinned roots' PinStatus list. The pinning service verifies
 * every block; a failed upload leaves nothing behind, and an upload whose stream
 * resets or whose connection drops at any byte fails at once (the handler's signal
 * is tied to the stream), releasing its staged blocks and its quota reservation.
 */
import { BadRequestError, UnavailableError } from '../errors.ts'
import { MAX_MESSAGE_BYTES, decodeJson } from './protocol.ts'
import { answer, callerOf, errorFrame } from './libp2p.ts'
import { frameStream, streamScope } from './stream.ts'
import type { ProtocolHost } from './libp2p.ts'
import type { ResponseFrame } from './protocol.ts'
import type { AccountService } from '../accounts/accounts.ts'
import type { CallerLimiter } from '../util/rate-limiter.ts'
import type { Pinning } from '../pinning/index.ts'
import type { ComponentLogger } from '../types.ts'
import type { Connection, Logger, Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'

export const CAR_PROTOCOL = '/cafe/car/1.0.0'

export interface CarProtocolComponents {
  accounts: AccountService
  pinning?: Pinning
  /** new uploads per remote peer and per remote address */
  limiter: CallerLimiter
  logger: ComponentLogger
}

export interface CarProtocolInit {
  /** the whole upload; default 10 minutes */
  timeoutMs?: number
}

async function * carChunks (frames: LengthPrefixedStream<any>, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  for (;;) {
    const chunk = (await frames.read({ signal })).subarray()
    if (chunk.byteLength === 0) return
    yield chunk
  }
}

function uploadInput (bytes: Uint8Array): { auth?: string, name?: string, meta?: Record<string, string> } {
  const frame = decodeJson(bytes) as { auth?: unknown, input?: { name?: unknown, meta?: unknown } } | undefined
  if (frame == null || typeof frame !== 'object') throw new BadRequestError('the first frame must be JSON', 'FRAME_INVALID')
  const { name, meta } = frame.input ?? {}
  if (name != null && typeof name !== 'string') throw new BadRequestError('name must be a string', 'INPUT_INVALID')
  if (meta != null && (typeof meta !== 'object' || Array.isArray(meta))) throw new BadRequestError('meta must be an object', 'INPUT_INVALID')
  return { auth: typeof frame.auth === 'string' ? frame.auth : undefined, name: name as string | undefined, meta: meta as Record<string, string> | undefined }
}

async function handleUpload (components: CarProtocolComponents, stream: Stream, connection: Connection, init: CarProtocolInit, log: Logger): Promise<void> {
  const { signal, done } = streamScope(stream, init.timeoutMs ?? 10 * 60_000)
  const frames = frameStream(stream, MAX_MESSAGE_BYTES)
  const caller = callerOf(connection)
  let response: ResponseFrame
  try {
    components.limiter.take(caller)
    const input = uploadInput((await frames.read({ signal })).subarray())
    const { account } = await components.accounts.authenticate(input.auth, { signal, caller })
    if (components.pinning == null) throw new UnavailableError('this cafe does not store blocks', 'PINNING_UNAVAILABLE')
    const output = await components.pinning.importCar(account, carChunks(frames, signal), { name: input.name, meta: input.meta, signal })
    response = { ok: true, output: { count: output.length, results: output } }
  } catch (err) {
    // once the stream is gone or out of time, that is why whatever failed, failed
    response = errorFrame(signal.aborted ? signal.reason : err)
    if (response.ok === false && response.error.status >= 500) log.error('upload from %p failed: %o', connection.remotePeer, err)
  }
  try {
    await answer(stream, frames, response)
  } finally {
    done()
  }
}

export async function registerCarProtocol (node: ProtocolHost, components: CarProtocolComponents, init: CarProtocolInit = {}): Promise<() => Promise<void>> {
  const log = components.logger.forComponent('cafe:api:car')
  await node.handle(CAR_PROTOCOL, (stream, connection) => {
    handleUpload(components, stream, connection, init, log).catch(err => { log.error('upload failed: %o', err) })
  }, { maxInboundStreams: 4, runOnLimitedConnection: true })
  return async () => { await node.unhandle(CAR_PROTOCOL) }
}
