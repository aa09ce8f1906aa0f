/**
 * How the cafe brings a DAG it was asked to pin into its blockstore: a Helia session
 * that asks the request's origins first (and connected peers through bitswap), then a
 * walk that reads every block, which stores it.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { walkDag } from '../core/gateway/dag-walk.ts'
import type { FetchDag } from '../core/pinning/index.ts'
import type { Helia } from '@helia/interface'
import type { ReadableStorage } from 'ipfs-unixfs-exporter'

function parseOrigins (origins: string[]): Multiaddr[] {
  const parsed: Multiaddr[] = []
  for (const origin of origins) {
    try { parsed.push(multiaddr(origin)) } catch { /* the pinning service validated them; skip what libp2p cannot use */ }
  }
  return parsed
}

export function createFetchDag (helia: Pick<Helia, 'blockstore'>): FetchDag {
  return async (cid, { origins, signal }) => {
    const providers = parseOrigins(origins)
    const blocks: ReadableStorage = providers.length > 0
      ? helia.blockstore.createSession(cid, { providers, signal })
      : helia.blockstore
    for await (const block of walkDag(blocks, cid, { signal })) void block
  }
}
