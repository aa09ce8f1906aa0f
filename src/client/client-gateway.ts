/**
 * A gateway for a client: `/ipfs/<cid>[/path]` answered with blocks fetched from its cafe
 * (`fetchBlock`), each checked against its CID, with the path gateway's routes, content
 * types and Range requests (the cafe's own gateway core, src/core/gateway). Recently used
 * blocks stay in a bounded memory cache. Runs anywhere: a Service Worker
 * (`installCafeGateway`), a page, or Node.
 */
import { defaultLogger } from '@libp2p/logger'
import { createGateway, type Gateway } from '../core/gateway/index.ts'
import { BlockCache } from './block-cache.ts'
import { verifyBlock } from './block-link.ts'
import type { AbortOptions, ComponentLogger } from '../core/types.ts'
import type { CID } from 'multiformats/cid'

export interface ClientGatewayComponents {
  /** a block from the cafe (it is verified here) */
  fetchBlock(cid: CID, options: AbortOptions): Promise<Uint8Array>
  logger?: ComponentLogger
}

export interface ClientGatewayInit {
  /** memory for recently used blocks; default 64 MiB */
  cacheBytes?: number
  /** how long one block may take to arrive; default 10 s */
  blockTimeoutMs?: number
}

export function createClientGateway (components: ClientGatewayComponents, init: ClientGatewayInit = {}): Gateway {
  const cache = new BlockCache(init.cacheBytes)
  return createGateway({
    blockstore: cache,
    logger: components.logger ?? defaultLogger(),
    async fetchBlock (cid, options) {
      const bytes = await components.fetchBlock(cid, options)
      await verifyBlock(cid, bytes)
      await cache.put(cid, bytes)
      return bytes
    }
  }, { networkTimeoutMs: init.blockTimeoutMs })
}
