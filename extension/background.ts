/// <reference lib="webworker" />
/// <reference path="./chrome.d.ts" />
/**
 * The extension's service worker. Chrome stops it when idle, so it keeps no cafe state:
 * it makes sure the offscreen document that runs the cafe exists (on install, on browser
 * start-up and whenever it wakes), and hands each extension page a port to it.
 */
import { connectOverPort, type ExtensionCafe } from './cafe-port.ts'
import { chromeOffscreenApi, createOffscreenKeeper, OFFSCREEN_PATH } from './offscreen-document.ts'
import { CONNECT_MESSAGE, ERROR_MESSAGE, isExtensionMessage, type ExtensionMessage } from './protocol.ts'
import type { CafeStatus } from '../src/worker/api.ts'

declare const self: ServiceWorkerGlobalScope

const keeper = createOffscreenKeeper(chromeOffscreenApi())

async function offscreenClient (): Promise<Client> {
  await keeper.ensure()
  const url = chrome.runtime.getURL(OFFSCREEN_PATH)
  const clients = await self.clients.matchAll({ includeUncontrolled: true, type: 'all' })
  const client = clients.find(candidate => candidate.url === url)
  if (client == null) throw new Error('the offscreen document exists but the service worker cannot see it')
  return client
}

/** Hands `port` to the cafe; if that fails, says why on the port itself. */
async function handOn (port: MessagePort): Promise<void> {
  try {
    const client = await offscreenClient()
    client.postMessage({ type: CONNECT_MESSAGE } satisfies ExtensionMessage, [port])
  } catch (err) {
    port.postMessage({ type: ERROR_MESSAGE, message: (err as Error).message } satisfies ExtensionMessage)
    port.close()
  }
}

/** A connection of the service worker's own, e.g. from its devtools console. */
function connectCafe (): ExtensionCafe {
  return connectOverPort(handOn)
}

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  const port = event.ports[0]
  if (!isExtensionMessage(event.data, CONNECT_MESSAGE) || port == null) return
  event.waitUntil(handOn(port))
})

chrome.runtime.onInstalled.addListener(() => { void keeper.ensure() })
chrome.runtime.onStartup.addListener(() => { void keeper.ensure() })
void keeper.ensure()

/** For the service worker's devtools console and the end-to-end test. */
const cafeExtension = {
  /** creates the offscreen document if it is gone; true when it did */
  ensureOffscreenDocument: async (): Promise<boolean> => keeper.ensure(),
  async status (): Promise<CafeStatus> {
    const { cafe, connected, close } = connectCafe()
    try {
      await connected
      return await cafe.status()
    } finally {
      close()
    }
  }
}
Object.assign(self, { cafeExtension })
