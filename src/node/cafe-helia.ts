/**
 * What every cafe node shares, in the browser and under Node: Helia over the cafe's own
 * stores with bitswap, and libp2p with noise, yamux, identify and ping, no discovery
 * (a cafe is dialled, it does not crawl), and a per-host connection rate that suits a
 * cafe behind a relay. Only the transports and addresses differ per runtime.
 */
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight, type HeliaWithLibp2p } from '@helia/libp2p'
import { identify, type Identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping, type Ping } from '@libp2p/ping'
import { yamux } from '@libp2p/yamux'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { createHeliaLight } from 'helia'
import type { PrivateKey, Transport } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'

export type CafeNodeServices = {
  identify: Identify
  ping: Ping
}

export type CafeHelia = HeliaWithLibp2p<CafeNodeServices>

/**
 * Relayed peers all arrive from the relay's IP, and libp2p accepts 5 new connections
 * per host a second by default: the 6th would hang until its handshake times out.
 */
export const CAFE_CONNECTION_MANAGER = { inboundConnectionThreshold: 100 }

export interface CafeHeliaInit {
  blockstore: Blockstore
  datastore: Datastore
  privateKey: PrivateKey
  transports: Array<(components: any) => Transport>
  listen: string[]
  announce?: string[]
  /** allow dialing loopback and private addresses (development, tests, a LAN) */
  allowPrivateDials?: boolean
}

/** An unstarted Helia + libp2p node for a cafe. */
export function createCafeHelia (init: CafeHeliaInit): CafeHelia {
  return withBitswap(withLibp2pLight(createHeliaLight({
    blockstore: init.blockstore,
    datastore: init.datastore,
    codecs: [dagCbor, dagJson],
    routers: []
  }), {
    privateKey: init.privateKey,
    addresses: {
      listen: init.listen,
      ...(init.announce != null && init.announce.length > 0 ? { announce: init.announce } : {})
    },
    transports: init.transports,
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    connectionManager: CAFE_CONNECTION_MANAGER,
    connectionGater: init.allowPrivateDials === true ? { denyDialMultiaddr: () => false } : undefined,
    services: { identify: identify(), ping: ping() }
  })) as CafeHelia
}
