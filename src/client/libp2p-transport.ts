/**
 * Reaches a cafe over libp2p: one stream a request on `/cafe/api/1.0.0`.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr as toMultiaddr } from '@multiformats/multiaddr'
import { CAR_PROTOCOL } from '../core/pinning/routes.ts'
import { INBOX_PUSH_PROTOCOL } from '../core/inbox/routes.ts'
import { CAFE_PROTOCOL, MAX_MESSAGE_BYTES, decodeJson, encodeFrame } from '../core/api/protocol.ts'
import { frameStream } from '../core/api/stream.ts'
import { CafeError } from '../core/errors.ts'
import { cafeErrorFrom } from './errors.ts'
import type { CafeTransport, CarBody, CarUploadInput, CarUploadOptions } from './transport.ts'
import type { ResponseFrame } from '../core/api/protocol.ts'
import type { AbortOptions } from '../core/types.ts'
import type { PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** The part of a libp2p node this transport needs. */
export interface ProtocolDialer {
  dialProtocol (peer: PeerId | Multiaddr, protocols: string | string[], options?: AbortOptions & { runOnLimitedConnection?: boolean }): Promise<Stream>
}

export interface Libp2pTransportInit {
  /** default 1 MiB */
  maxMessageBytes?: number
  /** default 30 s */
  timeoutMs?: number
  /** a whole CAR upload; default 10 minutes */
  uploadTimeoutMs?: number
}

export class Libp2pTransport implements CafeTransport {
  readonly cafe?: string
  private readonly node: ProtocolDialer
  private readonly target: PeerId | Multiaddr
  private readonly maxMessageBytes: number
  private readonly timeoutMs: number
  private readonly uploadTimeoutMs: number

  /** `cafe`: its peer id, or a multiaddr (ending in /p2p/<peer id> to pin who answers) */
  constructor (node: ProtocolDialer, cafe: PeerId | Multiaddr | string, init: Libp2pTransportInit = {}) {
    this.node = node
    if (typeof cafe === 'string') cafe = cafe.startsWith('/') ? toMultiaddr(cafe) : peerIdFromString(cafe)
    this.target = cafe
    this.cafe = 'getComponents' in cafe
      ? cafe.getComponents().findLast(component => component.name === 'p2p')?.value
      : cafe.toString()
    this.maxMessageBytes = init.maxMessageBytes ?? MAX_MESSAGE_BYTES
    this.timeoutMs = init.timeoutMs ?? 30_000
    this.uploadTimeoutMs = init.uploadTimeoutMs ?? 10 * 60_000
  }

  async request (op: string, input: unknown, auth: string | undefined, options: AbortOptions = {}): Promise<unknown> {
    return this.exchange(CAFE_PROTOCOL, this.timeoutMs, async (frames, signal) => {
      await frames.write(encodeFrame({ op, auth, input }), { signal })
    }, options)
  }

  /** Streams the CAR on `/cafe/car/1.0.0` in frames of at most the frame limit, ended by an empty frame. */
  async uploadCar (car: CarBody, input: CarUploadInput, auth: string, options: CarUploadOptions = {}): Promise<unknown> {
    return this.exchange(CAR_PROTOCOL, this.uploadTimeoutMs, async (frames, signal) => {
      await frames.write(encodeFrame({ op: 'pins.importCar', auth, input }), { signal })
      const chunks = car instanceof Uint8Array ? [car] : car instanceof Blob ? blobChunks(car) : car
      const total = car instanceof Uint8Array ? car.byteLength : car instanceof Blob ? car.size : undefined
      let bytes = 0
      for await (const chunk of chunks) {
        for (let offset = 0; offset < chunk.byteLength; offset += this.maxMessageBytes) {
          const frame = chunk.subarray(offset, offset + this.maxMessageBytes)
          await frames.write(frame, { signal })
          bytes += frame.byteLength
          options.onProgress?.({ type: 'cafe:car:upload', detail: { bytes, total } })
        }
      }
      await frames.write(new Uint8Array(0), { signal })
    }, options)
  }

  /** Subscribes on `/cafe/inbox/1.0.0` and hands each pushed message to `onMessage` until the cafe ends the stream. */
  async subscribeInbox (auth: string, onMessage: (message: any) => Promise<void> | void, options: AbortOptions = {}): Promise<void> {
    const stream = await this.node.dialProtocol(this.target, INBOX_PUSH_PROTOCOL, { signal: AbortSignal.timeout(this.timeoutMs), runOnLimitedConnection: true })
    const abort = (): void => { stream.abort(new Error('unsubscribed')) }
    options.signal?.addEventListener('abort', abort, { once: true })
    try {
      const frames = frameStream(stream, this.maxMessageBytes)
      await frames.write(encodeFrame({ op: 'inbox.subscribe', auth }))
      for (;;) {
        let bytes: Uint8Array
        try {
          bytes = (await frames.read()).subarray()
        } catch (err) {
          if ((err as Error).name === 'UnexpectedEOFError') return // the cafe ended the subscription
          throw err
        }
        const frame = decodeJson(bytes) as ResponseFrame
        if (frame?.ok === false) throw cafeErrorFrom(frame.error, frame.error?.status ?? 500, frame.error?.retryAfter)
        if (frame?.ok === true && (frame.output as { subscribed?: boolean })?.subscribed !== true) await onMessage(frame.output)
      }
    } finally {
      options.signal?.removeEventListener('abort', abort)
    }
  }

  /** Opens a stream, lets `send` write the request, and reads the one response frame. */
  private async exchange (protocol: string, timeoutMs: number, send: (frames: ReturnType<typeof frameStream>, signal: AbortSignal) => Promise<void>, options: AbortOptions): Promise<unknown> {
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(options.signal != null ? [options.signal] : [])])
    // relayed connections are 'limited' in libp2p 3; a cafe in a browser is often reached through one
    const stream = await this.node.dialProtocol(this.target, protocol, { signal, runOnLimitedConnection: true })
    let frame: ResponseFrame
    try {
      const frames = frameStream(stream, this.maxMessageBytes)
      await send(frames, signal)
      frame = decodeJson((await frames.read({ signal })).subarray()) as ResponseFrame
      await stream.close({ signal })
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
    if (frame?.ok === true) return frame.output ?? undefined
    if (frame?.ok === false) return Promise.reject(cafeErrorFrom(frame.error, frame.error?.status ?? 500, frame.error?.retryAfter))
    throw new CafeError('the cafe sent an unreadable answer', 'RESPONSE_INVALID', 502)
  }
}

async function * blobChunks (blob: Blob): AsyncGenerator<Uint8Array> {
  const reader = blob.stream().getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    yield value
  }
}
