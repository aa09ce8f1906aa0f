/// <reference lib="webworker" />
/**
 * A Service Worker for any client app: it answers `/ipfs/` on the app's own origin with
 * content from the cafe an open page of the app is connected to, verified block by block
 * (a Service Worker cannot hold a libp2p connection; the page fetches blocks for it, see
 * block-link.ts). An app's worker script is two lines:
 *
 * ```ts
 * import { installCafeGateway } from '<client library>/gateway-sw.ts'
 * installCafeGateway(self as unknown as ServiceWorkerGlobalScope)
 * ```
 *
 * and its page calls `registerCafeGateway` (register-gateway.ts) once connected.
 */
import { BlockProviderLink, isProviderAnnouncement, type BlockProviderLinkInit } from './block-link.ts'
import { createClientGateway, type ClientGatewayInit } from './client-gateway.ts'
import type { Gateway } from '../core/gateway/index.ts'

export interface CafeGatewayWorkerInit extends ClientGatewayInit, BlockProviderLinkInit {
  /** the path prefix answered; default `/ipfs/` */
  prefix?: string
}

export interface CafeGatewayWorker {
  link: BlockProviderLink
  gateway: Gateway
}

export function installCafeGateway (scope: ServiceWorkerGlobalScope, init: CafeGatewayWorkerInit = {}): CafeGatewayWorker {
  const prefix = init.prefix ?? '/ipfs/'
  const blockTimeoutMs = init.blockTimeoutMs ?? 10_000
  const link = new BlockProviderLink({
    async broadcast (message) {
      for (const client of await scope.clients.matchAll({ type: 'window' })) client.postMessage(message)
    }
  }, { ...init, blockTimeoutMs })
  // the gateway's own bound is a little longer, so the page's clearer error arrives first
  const gateway = createClientGateway({ fetchBlock: async (cid, options) => link.fetchBlock(cid, options) }, { ...init, blockTimeoutMs: blockTimeoutMs + 2_000 })

  scope.addEventListener('install', () => { void scope.skipWaiting() })
  scope.addEventListener('activate', (event) => { event.waitUntil(scope.clients.claim()) })
  scope.addEventListener('message', (event) => { if (isProviderAnnouncement(event.data)) link.accept(event.data) })
  scope.addEventListener('fetch', (event) => {
    const url = new URL(event.request.url)
    if (url.origin !== scope.location.origin || !url.pathname.startsWith(prefix)) return
    const request = prefix === '/ipfs/' ? event.request : new Request(new URL(`/ipfs/${url.pathname.slice(prefix.length)}${url.search}`, url), event.request)
    event.respondWith(gateway.fetch(request, { signal: event.request.signal }))
  })
  return { link, gateway }
}
