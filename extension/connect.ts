/** An extension page's connection to the cafe: its port goes through the service worker. */
import { connectOverPort, type ExtensionCafe } from './cafe-port.ts'
import { CONNECT_MESSAGE, type ExtensionMessage } from './protocol.ts'

export function connectToExtensionCafe (): ExtensionCafe {
  return connectOverPort(async port => {
    const { active } = await navigator.serviceWorker.ready
    if (active == null) throw new Error('the extension has no active service worker')
    active.postMessage({ type: CONNECT_MESSAGE } satisfies ExtensionMessage, [port])
  })
}
