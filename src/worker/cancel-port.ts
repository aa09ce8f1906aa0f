/**
 * Carries an abort across a MessagePort: the Service Worker cannot hand an AbortSignal
 * to the SharedWorker, so with each call it transfers one end of a channel and posts on
 * the other when the page's fetch is aborted. The SharedWorker turns its end back into
 * a signal, so work for a client that went away stops there too, not at a timeout.
 */
import * as Comlink from 'comlink'

const ABORT = 'abort'

export interface CancelSender {
  /** the end to pass with the call (already marked for transfer) */
  port: MessagePort
  /** stop listening and close the channel; call when the call settles */
  done(): void
}

/** The caller's side: a port that says `abort` when `signal` aborts. */
export function cancelSender (signal: AbortSignal): CancelSender {
  const { port1, port2 } = new MessageChannel()
  const onAbort = (): void => { port1.postMessage(ABORT) }
  if (signal.aborted) onAbort()
  else signal.addEventListener('abort', onAbort, { once: true })
  return {
    port: Comlink.transfer(port2, [port2]),
    done () {
      signal.removeEventListener('abort', onAbort)
      port1.close()
    }
  }
}

export interface CancelReceiver {
  signal: AbortSignal
  done(): void
}

/** The callee's side: a signal that aborts when the caller says so over `port` (never, without a port). */
export function cancelReceiver (port?: MessagePort): CancelReceiver {
  const controller = new AbortController()
  if (port == null) return { signal: controller.signal, done () {} }
  port.onmessage = (event) => {
    if (event.data === ABORT) controller.abort(new DOMException('the client went away', 'AbortError'))
  }
  return {
    signal: controller.signal,
    done () {
      port.onmessage = null
      port.close()
    }
  }
}
