/**
 * The offscreen document: the extension's cafe itself. It runs the same runtime as the
 * cafe page's SharedWorker (src/worker/cafe-runtime.ts), but a document has its own
 * RTCPeerConnection, so the WebRTC bridge stays out and libp2p dials and answers WebRTC
 * here. It starts at once and lives until the extension closes it, with no tab open.
 * Pages and the service worker reach it over ports the service worker hands on.
 */
import { startCafeRuntime } from '../src/worker/cafe-runtime.ts'
import { DEFAULT_CAFE_NAME } from '../src/worker/config.ts'
import { acceptConnection } from './cafe-port.ts'
import { CONNECT_MESSAGE, isExtensionMessage } from './protocol.ts'
import type { CafeWorkerApi } from '../src/worker/api.ts'

const runtime = startCafeRuntime(DEFAULT_CAFE_NAME)
runtime.catch((err: Error) => { console.error('the cafe did not start:', err) })

/** Every method waits for the node, so a port can call as soon as it arrives. */
const api = new Proxy({} as CafeWorkerApi, {
  get: (_target, method: keyof CafeWorkerApi) => async (...args: unknown[]) => {
    const { api } = await runtime
    return (api[method] as (...a: unknown[]) => unknown)(...args)
  }
})

navigator.serviceWorker.addEventListener('message', ({ data, ports }) => {
  if (!isExtensionMessage(data, CONNECT_MESSAGE) || ports[0] == null) return
  acceptConnection(api, ports[0])
})
navigator.serviceWorker.startMessages()
