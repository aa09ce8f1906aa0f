/**
 * Stands in for src/ui/cafe-connection.ts when the console (index.html, src/ui/main.ts)
 * is built into the extension (extension/vite.config.ts swaps the module): the console
 * then drives the offscreen document's cafe instead of a SharedWorker. The extension
 * serves no /ipfs/ gateway, which the console shows in its "Gateway" line.
 */
import { connectToExtensionCafe } from './connect.ts'
import type { CafeConnection } from '../src/ui/cafe-connection.ts'

export function connectToCafe (): CafeConnection {
  const { cafe, connected } = connectToExtensionCafe()
  const gatewayReady = connected.then(() => {
    throw new Error('the extension serves no /ipfs/ gateway; a cafe web page does, for its own cafe')
  })
  return { cafe, gatewayReady }
}
