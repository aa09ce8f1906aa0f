/// <reference lib="webworker" />
/**
 * The SharedWorker entry: one cafe node for every tab of the origin. Each page that
 * connects gets the typed API over comlink; the node starts on the first connection.
 *
 * This entry stays small: the peer id is read from the stored key first (a few small
 * modules), and the runtime (libp2p, Helia, the services: most of the worker's code) is
 * loaded as its own chunk after it, so `peerId()` answers before the node has started.
 */
import * as Comlink from 'comlink'
import { DEFAULT_CAFE_NAME } from './config.ts'
import { loadPeerId } from './identity.ts'
import './comlink-errors.ts'
import type { CafeRuntime } from './cafe-runtime.ts'
import type { CafeWorkerApi } from './api.ts'

declare const self: SharedWorkerGlobalScope

const name = self.name.length > 0 ? self.name : DEFAULT_CAFE_NAME
let started: { peerId: Promise<string>, runtime: Promise<CafeRuntime> } | undefined

function cafe (): { peerId: Promise<string>, runtime: Promise<CafeRuntime> } {
  if (started == null) {
    const peerId = loadPeerId(name)
    // the runtime's code loads once the key exists (its evaluation would hold up the thread
    // the peer id is read on), and it starts after, so the two never both make a key
    const runtime = peerId.then(async () => (await import('./cafe-runtime.ts')).startCafeRuntime(name))
    peerId.catch(() => {})
    runtime.catch(() => {})
    started = { peerId, runtime }
  }
  return started
}

/** Every method waits for the node, so a page can call as soon as it connects; `peerId` only for the stored key. */
const api = new Proxy({} as CafeWorkerApi, {
  get: (_target, method: keyof CafeWorkerApi) => async (...args: unknown[]) => {
    if (method === 'peerId') return cafe().peerId
    const { api } = await cafe().runtime
    return (api[method] as (...a: unknown[]) => unknown)(...args)
  }
})

self.addEventListener('connect', (event: MessageEvent) => {
  Comlink.expose(api, event.ports[0])
})
