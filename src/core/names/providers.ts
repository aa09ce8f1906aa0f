/**
 * Content routing for what the cafe stores: asked for a CID it holds, it names itself
 * (Delegated Routing's Peer schema) with its libp2p addresses (bitswap) and, where it has
 * one, its HTTP gateway (`transport-ipfs-gateway-http`). It knows no other providers.
 */
import type { AbortOptions } from '../types.ts'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/** The Peer schema of the Delegated Routing V1 HTTP API. */
export interface PeerRecord {
  Schema: 'peer'
  ID: string
  Addrs: string[]
  Protocols: string[]
}

export interface ProvidersComponents {
  /** the cafe's peer id */
  peerId: string
  /** its libp2p multiaddrs (with or without its /p2p/ suffix) */
  addresses(): string[]
  /** multiaddrs of its HTTP gateway (`/ip4/…/tcp/…/http`), when it serves one */
  httpAddresses?(): string[]
  blockstore?: Pick<Blockstore, 'has'>
}

export interface Providers {
  /** the cafe's record if it stores the CID's block, else nothing */
  find (cid: CID, options?: AbortOptions): Promise<PeerRecord[]>
  /** the cafe's record if `peerId` is its own, else nothing */
  peer (peerId: string): PeerRecord[]
}

export function createProviders (components: ProvidersComponents): Providers {
  const own = `/p2p/${components.peerId}`
  const record = (): PeerRecord => {
    const libp2p = components.addresses().map(addr => addr.endsWith(own) ? addr.slice(0, -own.length) : addr)
    const http = components.httpAddresses?.() ?? []
    return {
      Schema: 'peer',
      ID: components.peerId,
      Addrs: [...new Set([...libp2p, ...http])],
      Protocols: ['transport-bitswap', ...(http.length > 0 ? ['transport-ipfs-gateway-http'] : [])]
    }
  }
  return {
    async find (cid, options) {
      if (components.blockstore == null || !await components.blockstore.has(cid, options)) return []
      return [record()]
    },
    peer (peerId) {
      return peerId === components.peerId ? [record()] : []
    }
  }
}
