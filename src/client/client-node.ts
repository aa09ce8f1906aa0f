/**
 * A node for a client that dials cafes: libp2p with WebRTC (through a relay), WebSockets
 * and the relayed circuit, and a Helia with bitswap over it, so content comes from the
 * connected cafe over the same connection as the API (`cafeBlockFetcher`). It keeps only
 * the blocks fetched lately, in memory, up to a bound (block-cache.ts).
 */
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight, type HeliaWithLibp2p } from '@helia/libp2p'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify, type Identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createHeliaLight } from 'helia'
import { BlockCache } from './block-cache.ts'
import type { Transport } from '@libp2p/interface'

export type ClientHelia = HeliaWithLibp2p<{ identify: Identify }>

export interface ClientNodeInit {
  /** default: WebRTC, WebSockets and the relayed circuit */
  transports?: Array<(components: any) => Transport>
  /** allow dialing loopback and private addresses (development, tests, a LAN); default true */
  allowPrivateDials?: boolean
  /** memory for the blocks fetched lately; default 64 MiB */
  cacheBytes?: number
}

/** A started client node. `node.libp2p` is what `connectCafe` dials with. */
export async function createCafeClientNode (init: ClientNodeInit = {}): Promise<ClientHelia> {
  const helia = withBitswap(withLibp2pLight(createHeliaLight({ blockstore: new BlockCache(init.cacheBytes), routers: [] }), {
    transports: init.transports ?? [webRTC(), webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    connectionGater: init.allowPrivateDials === false ? undefined : { denyDialMultiaddr: () => false },
    services: { identify: identify() }
  })) as ClientHelia
  await helia.start()
  return helia
}
