/// <reference lib="webworker" />
/**
 * The SharedWorker entry: one cafe node for every tab of the origin. Each page that
 * connects gets the typed API over comlink; the node starts on the first connection.
 */
import * as Comlink from 'comlink'
import { startCafeRuntime, type CafeRuntime } from './cafe-runtime.ts'
import { DEFAULT_CAFE_NAME } from './config.ts'
import './comlink-errors.ts'
import type { CafeWorkerApi } from './api.ts'

declare const self: SharedWorkerGlobalScope

let runtime: Promise<CafeRuntime> | undefined

function cafe (): Promise<CafeRuntime> {
  runtime ??= startCafeRuntime(self.name.length > 0 ? self.name : DEFAULT_CAFE_NAME)
  return runtime
}

/** Every method waits for the node, so a page can call as soon as it connects. */
const api = new Proxy({} as CafeWorkerApi, {
  get: (_target, method: keyof CafeWorkerApi) => async (...args: unknown[]) => {
    const { api } = await cafe()
    return (api[method] as (...a: unknown[]) => unknown)(...args)
  }
})

self.addEventListener('connect', (event: MessageEvent) => {
  Comlink.expose(api, event.ports[0])
})
