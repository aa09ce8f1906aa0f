/**
 * Both ends of one comlink connection to the extension's cafe: `connectOverPort` on the
 * side of a page (or the service worker itself), `acceptConnection` in the offscreen
 * document. Calls made before the cafe answers wait in the port.
 */
import * as Comlink from 'comlink'
import { UnavailableError } from '../src/core/errors.ts'
import { ERROR_MESSAGE, isExtensionMessage, READY_MESSAGE, type ExtensionMessage } from './protocol.ts'
import '../src/worker/comlink-errors.ts'
import type { CafeWorkerApi } from '../src/worker/api.ts'

export interface ExtensionCafe {
  cafe: Comlink.Remote<CafeWorkerApi>
  /** resolves when the offscreen document took the port; rejects when it cannot be reached */
  connected: Promise<void>
  close(): void
}

export const CONNECT_TIMEOUT_MS = 10_000

/**
 * Opens a channel and has `deliver` carry its other end to the offscreen document (a page
 * posts it to the service worker; the service worker hands it on).
 */
export function connectOverPort (deliver: (port: MessagePort) => Promise<void>, timeoutMs = CONNECT_TIMEOUT_MS): ExtensionCafe {
  const { port1, port2 } = new MessageChannel()
  const connected = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new UnavailableError(`the cafe's offscreen document did not answer within ${timeoutMs} ms`, 'CAFE_NOT_RUNNING')) }, timeoutMs)
    const settle = (err?: Error): void => {
      clearTimeout(timer)
      port1.removeEventListener('message', onMessage)
      if (err == null) resolve()
      else reject(err)
    }
    const onMessage = ({ data }: MessageEvent): void => {
      if (isExtensionMessage(data, READY_MESSAGE)) settle()
      else if (isExtensionMessage(data, ERROR_MESSAGE)) settle(new UnavailableError(data.message, 'CAFE_NOT_RUNNING'))
    }
    port1.addEventListener('message', onMessage)
    deliver(port2).catch((err: Error) => { settle(new UnavailableError(err.message, 'CAFE_NOT_RUNNING')) })
  })
  const cafe = Comlink.wrap<CafeWorkerApi>(port1)
  port1.start()
  return { cafe, connected, close: () => { port1.close() } }
}

/** The offscreen document's end: serves `api` on a port that arrived and says it is there. */
export function acceptConnection (api: CafeWorkerApi, port: MessagePort): void {
  Comlink.expose(api, port)
  port.postMessage({ type: READY_MESSAGE } satisfies ExtensionMessage)
}
