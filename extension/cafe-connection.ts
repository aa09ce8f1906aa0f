/**
 * Stands in for src/ui/cafe-connection.ts when the console (index.html, src/ui/main.ts)
 * is built into the extension (extension/vite.config.ts swaps the module): the console
 * then drives the offscreen document's cafe instead of a SharedWorker, and its /ipfs/
 * links are answered by the extension's service worker (gateway.ts).
 */
import { serviceWorkerControls } from '../src/ui/service-worker.ts'
import { connectToExtensionCafe } from './connect.ts'
import type { CafeConnection } from '../src/ui/cafe-connection.ts'

export function connectToCafe (): CafeConnection {
  const { cafe, connected } = connectToExtensionCafe()
  // a page opened before the service worker activated is claimed by it (background.ts)
  const gatewayReady = connected.then(serviceWorkerControls)
  return { cafe, kind: 'extension', gatewayReady }
}
