/// <reference lib="webworker" />
/**
 * The Service Worker: the cafe's gateway at /ipfs/ and /ipns/ for every page of the origin,
 * open or not. It reads blocks from the same IndexedDB blockstore the SharedWorker writes,
 * and hosted IPNS records from the same datastore (opening both itself, so it works with no
 * tab open), and asks the SharedWorker, through a port a page hands over, for blocks that
 * are not local. Requests to /api/ and /routing/v1/ go to the SharedWorker the same way:
 * the services and their stores have one writer.
 */
import { CID } from 'multiformats/cid'
import { errorResponse } from '../core/api/http.ts'
import { CafeError, TimeoutError, UnavailableError } from '../core/errors.ts'
import { withTimeout } from '../core/util/with-timeout.ts'
import { BlockProviderLink, isProviderAnnouncement } from '../client/block-link.ts'
import { NETWORK_TIMEOUT_MS } from '../worker/config.ts'
import { cancelSender } from '../worker/cancel-port.ts'
import { toResponse, transferRequest } from './api-forward.ts'
import { clientSignal } from './client-signal.ts'
import { answerNavigation } from './error-page.ts'
import { Shell } from './shell.ts'
import { createStoreGateway, fetchBlockThrough } from './store-gateway.ts'
import { PORT_MESSAGE, WorkerLink } from './worker-link.ts'
import '../worker/comlink-errors.ts'
import type { AbortOptions } from '@libp2p/interface'

declare const self: ServiceWorkerGlobalScope

const link = new WorkerLink({
  async broadcast (message) {
    for (const client of await self.clients.matchAll({ type: 'window' })) client.postMessage(message)
  }
})

// a page of this origin connected to a cafe elsewhere (the demo client on another device)
const providers = new BlockProviderLink({
  async broadcast (message) {
    for (const client of await self.clients.matchAll({ type: 'window' })) client.postMessage(message)
  }
}, { blockTimeoutMs: NETWORK_TIMEOUT_MS })

async function fetchBlock (cid: CID, options: AbortOptions): Promise<Uint8Array> {
  const started = Date.now()
  if (await providers.available(0)) return providers.fetchBlock(cid, options)
  const bridge = await link.get(1_000)
  if (bridge == null) {
    if (await providers.available()) return providers.fetchBlock(cid, options)
    throw new UnavailableError('no cafe runs in this browser and no page here is connected to one: open the cafe page, or connect the client to a cafe address')
  }
  return fetchBlockThrough(bridge, cid, started, 'no answer from the cafe', options)
}

const gateway = createStoreGateway(fetchBlock)


/** How long an API request may take in the SharedWorker (uploads included). */
const API_TIMEOUT_MS = 120_000

async function serveApi (request: Request, remote: string, signal: AbortSignal): Promise<Response> {
  const bridge = await link.get(1_000)
  if (bridge == null) return errorResponse(new UnavailableError('the cafe is not running: open the cafe page', 'CAFE_NOT_RUNNING'))
  const timedOut = new Error(`no answer within ${API_TIMEOUT_MS / 1000} s`)
  // the SharedWorker stops working for a page that aborted its fetch or went away
  const cancel = cancelSender(signal)
  try {
    return toResponse(await withTimeout(bridge.handleHttp(transferRequest(request), remote, cancel.port), API_TIMEOUT_MS, () => timedOut))
  } catch (err) {
    return err === timedOut
      ? errorResponse(new TimeoutError(`the cafe did not answer: ${timedOut.message}`, 'CAFE_TIMEOUT'))
      : errorResponse(new CafeError(`the cafe could not answer: ${(err as Error).message}`, 'CAFE_FAILED', 502))
  } finally {
    cancel.done()
  }
}

const shell = new Shell({ origin: self.location.origin, caches: self.caches, fetch: async request => fetch(request) })

self.addEventListener('install', (event) => {
  void self.skipWaiting()
  event.waitUntil(shell.install())
})
self.addEventListener('activate', (event) => { event.waitUntil(Promise.all([self.clients.claim(), shell.removeOld()])) })

self.addEventListener('message', (event) => {
  if (event.data?.type === PORT_MESSAGE && event.data.port instanceof MessagePort) link.accept(event.data.port)
  else if (isProviderAnnouncement(event.data)) providers.accept(event.data)
})

/** Answers with `serve`, under a signal that aborts when the asking page aborts or is gone. */
function respond (event: FetchEvent, serve: (signal: AbortSignal) => Promise<Response>): void {
  const watch = clientSignal(self.clients, event.clientId, event.request)
  event.respondWith(serve(watch.signal).finally(watch.done))
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url)
  if (url.origin !== self.location.origin) return
  if (url.pathname.startsWith('/ipfs/') || url.pathname.startsWith('/ipns/')) {
    respond(event, async signal => answerNavigation(event.request, async () => gateway.fetch(event.request, signal),
      err => errorResponse(err instanceof CafeError ? err : new UnavailableError(`the gateway could not start: ${(err as Error).message}`))))
  } else if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/routing/v1/')) {
    respond(event, async signal => serveApi(event.request, event.clientId !== '' ? event.clientId : event.resultingClientId, signal))
  } else if (shell.handles(event.request)) {
    event.respondWith(shell.serve(event.request))
  }
})
