/// <reference lib="webworker" />
/// <reference path="./chrome.d.ts" />
/**
 * The extension's service worker. Chrome stops it when idle, so it keeps no cafe state:
 * it makes sure the offscreen document that runs the cafe exists (on install, on browser
 * start-up and whenever it wakes), and hands each extension page a port to it.
 * It is also the extension's gateway: `/ipfs/` on the extension's origin (gateway.ts),
 * where the redirection rules it keeps in step with the popup's switch send public
 * gateway URLs (redirection.ts).
 */
import * as Comlink from 'comlink'
import { WorkerLink } from '../src/sw/worker-link.ts'
import { clientSignal } from '../src/sw/client-signal.ts'
import { connectOverPort, type ExtensionCafe } from './cafe-port.ts'
import { createExtensionGateway } from './gateway.ts'
import { applyRedirection, chromeRedirectionApi, REDIRECT_KEY } from './redirection.ts'
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

/**
 * The gateway's line to the offscreen document's node, for blocks that are not stored:
 * asked for on first need and again whenever the document was closed and created anew.
 */
async function linkOffscreen (): Promise<void> {
  const { cafe, connected, close } = connectCafe()
  try {
    await connected
    const { port1, port2 } = new MessageChannel()
    await cafe.connectServiceWorker(Comlink.transfer(port1, [port1]))
    link.accept(port2)
  } catch (err) {
    console.warn('the gateway cannot reach the cafe:', (err as Error).message)
  } finally {
    close()
  }
}
// WorkerLink waits for the port within its own timeout
const link = new WorkerLink({ broadcast: async () => { void linkOffscreen() } })
const gateway = createExtensionGateway({ bridge: async timeoutMs => link.get(timeoutMs) })

self.addEventListener('fetch', (event: FetchEvent) => {
  const url = new URL(event.request.url)
  if (url.origin !== self.location.origin) return
  // the error pages' "Cafe page" link
  if (url.pathname === '/') {
    event.respondWith(Response.redirect(chrome.runtime.getURL('index.html'), 302))
    return
  }
  if (!gateway.handles(url)) return
  // a navigation's clientId (Chromium 156) names the page it leaves, which is no client of
  // this worker when it is another site's: watching it would abort at the first look
  const watch = clientSignal(self.clients, event.request.mode === 'navigate' ? '' : event.clientId, event.request)
  event.respondWith(gateway.serve(event.request, watch.signal).finally(watch.done))
})

// pages opened before this worker activated (a console open at install) get its gateway too
self.addEventListener('activate', (event) => { event.waitUntil(self.clients.claim()) })

const redirection = chromeRedirectionApi()
const syncRules = (): void => { applyRedirection(redirection).catch((err: Error) => { console.error('the redirection rules could not be set:', err) }) }
chrome.storage.onChanged.addListener((changes, area) => { if (area === 'local' && REDIRECT_KEY in changes) syncRules() })
syncRules()

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
