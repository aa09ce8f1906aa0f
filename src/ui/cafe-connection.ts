/**
 * How a page joins the cafe: it starts (or joins) the SharedWorker that runs the node,
 * registers the Service Worker gateway, and hands the Service Worker a port to the
 * SharedWorker whenever it asks (it loses ports when the browser stops it).
 */
import * as Comlink from 'comlink'
import { PORT_MESSAGE, PORT_REQUEST_MESSAGE } from '../sw/worker-link.ts'
import { DEFAULT_CAFE_NAME } from '../worker/config.ts'
import { registerServiceWorker, serviceWorkerControls } from './service-worker.ts'
import '../worker/comlink-errors.ts'
import type { CafeWorkerApi } from '../worker/api.ts'
import type { CafeKind } from './console/which-cafe.ts'

export interface CafeConnection {
  cafe: Comlink.Remote<CafeWorkerApi>
  /** the site's cafe, or the extension's (extension/cafe-connection.ts) */
  kind: CafeKind
  /** resolves once the Service Worker controls this page */
  gatewayReady: Promise<void>
}

async function registerGateway (cafe: Comlink.Remote<CafeWorkerApi>): Promise<void> {
  const container = navigator.serviceWorker
  const registration = await registerServiceWorker()
  await container.ready

  const handPort = async (): Promise<void> => {
    const target = container.controller ?? registration.active
    if (target == null) return
    const { port1, port2 } = new MessageChannel()
    await cafe.connectServiceWorker(Comlink.transfer(port1, [port1]))
    target.postMessage({ type: PORT_MESSAGE, port: port2 }, [port2])
  }
  container.addEventListener('message', (event) => {
    if (event.data?.type === PORT_REQUEST_MESSAGE) void handPort()
  })
  container.addEventListener('controllerchange', () => { void handPort() })
  container.startMessages()
  await handPort()

  await serviceWorkerControls()
}

export function connectToCafe (name = DEFAULT_CAFE_NAME): CafeConnection {
  const worker = new SharedWorker(new URL('../worker/cafe.worker.ts', import.meta.url), { type: 'module', name })
  const cafe = Comlink.wrap<CafeWorkerApi>(worker.port)
  return { cafe, kind: 'site', gatewayReady: registerGateway(cafe) }
}
