/**
 * Length-prefixed JSON frames over libp2p 3 streams (`lpStream` from @libp2p/utils), and
 * `streamScope`, which gives a handler the signal that ends its work when the stream does.
 */
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { CafeError } from '../errors.ts'
import type { Stream } from '@libp2p/interface'

/**
 * Frames of at most `maxMessageBytes`. Unread bytes are buffered without a cap, as with the
 * stream's async iterator this replaced (lpStream's default cap, 4 MiB, would reset a CAR
 * upload whose sender runs ahead of the blockstore).
 */
export function frameStream (stream: Stream, maxMessageBytes: number): LengthPrefixedStream<Stream> {
  return lpStream(stream, { maxDataLength: maxMessageBytes, maxBufferSize: Number.POSITIVE_INFINITY })
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
