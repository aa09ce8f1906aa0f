/**
 * The page's half of the client gateway: registers the app's gateway Service Worker
 * (gateway-sw.ts) and answers its block requests from the connected cafe.
 */
import { serveBlocks, serviceWorkerTarget, type BlockServer } from './block-link.ts'
import type { AbortOptions } from '../core/types.ts'
import type { CID } from 'multiformats/cid'

export interface RegisterCafeGatewayInit {
  /** the cafe's peer id */
  cafe?: string
  /** default `/` */
  scope?: string
  /** default 'module' */
  type?: WorkerType
}

/** Registers `scriptUrl`, waits until it controls the page, and serves it blocks with `fetchBlock`. */
export async function registerCafeGateway (
  scriptUrl: string | URL,
  fetchBlock: (cid: CID, options: AbortOptions) => Promise<Uint8Array>,
  init: RegisterCafeGatewayInit = {}
): Promise<BlockServer> {
  const container = navigator.serviceWorker
  await container.register(scriptUrl, { type: init.type ?? 'module', scope: init.scope ?? '/' })
  if (container.controller == null) {
    await new Promise<void>(resolve => { container.addEventListener('controllerchange', () => { resolve() }, { once: true }) })
  }
  return serveBlocks(fetchBlock, { cafe: init.cafe, target: serviceWorkerTarget(container) })
}
