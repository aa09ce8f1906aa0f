/**
 * libp2p 3 streams are message streams (`send`, async iteration), while
 * it-length-prefixed-stream 3 wants a `{ source, sink }` duplex: this bridges
 * them and frames JSON over the result. `streamScope` gives a handler the signal
 * that ends its work when the stream does.
 */
import { lpStream } from 'it-length-prefixed-stream'
import { CafeError } from '../errors.ts'
import type { LengthPrefixedStream } from 'it-length-prefixed-stream'
import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface StreamDuplex {
  source: AsyncIterable<Uint8Array | Uint8ArrayList>
  sink (source: AsyncIterable<Uint8Array | Uint8ArrayList>): Promise<void>
}

export function streamDuplex (stream: Stream): StreamDuplex {
  return {
    source: stream,
    async sink (source) {
      for await (const chunk of source) {
        if (!stream.send(chunk)) await stream.onDrain()
      }
    }
  }
}

export function frameStream (stream: Stream, maxMessageBytes: number): LengthPrefixedStream<StreamDuplex> {
  return lpStream(streamDuplex(stream), { maxDataLength: maxMessageBytes })
}

export interface StreamScope {
  /** aborts when the stream closes or resets, or when the time is up */
  readonly signal: AbortSignal
  /** detaches from the stream; call when the handler is done */
  done(): void
}

/**
 * The signal a protocol handler passes to everything it does for one stream: a remote
 * that resets the stream or drops the connection stops the work (and so releases what
 * it held) at once, not when some timeout fires. The reason is an AbortError when the
 * stream went away, a 408 CafeError when the time ran out.
 */
export function streamScope (stream: Pick<Stream, 'status' | 'addEventListener' | 'removeEventListener'>, timeoutMs: number): StreamScope {
  const controller = new AbortController()
  const onClose = (): void => { controller.abort(new DOMException('the stream closed', 'AbortError')) }
  const timer = setTimeout(() => {
    controller.abort(new CafeError(`the stream did not finish within ${timeoutMs / 1000} s`, 'STREAM_TIMEOUT', 408))
  }, timeoutMs)
  const done = (): void => {
    clearTimeout(timer)
    stream.removeEventListener('close', onClose)
  }
  controller.signal.addEventListener('abort', done, { once: true })
  if (stream.status === 'closed' || stream.status === 'aborted' || stream.status === 'reset') onClose()
  else stream.addEventListener('close', onClose, { once: true })
  return { signal: controller.signal, done }
}
