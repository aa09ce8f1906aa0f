/**
 * Assembles the cafe's Helia + libp2p node for a browser context (SharedWorker, page or
 * extension document). Storage is IndexedDB, named per cafe so two cafes on one origin
 * do not collide; the peer identity is kept in the datastore (Helia's self key), so it
 * survives reloads. Transports are chosen by what the context offers: a SharedWorker has
 * no RTCPeerConnection (docs/ARCHITECTURE.md), so WebRTC is only added where it exists.
 */
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight, type HeliaWithLibp2p } from '@helia/libp2p'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { webTransport } from '@libp2p/webtransport'
import { yamux } from '@libp2p/yamux'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { IDBDatastore } from 'datastore-idb'
import { loadOrCreateSelfKey } from '@libp2p/config'
import { createHeliaLight } from 'helia'
import { databaseNames } from './database-names.ts'
import { IdbBlockstore } from './idb-blockstore.ts'
import type { Identify } from '@libp2p/identify'
import type { Ping } from '@libp2p/ping'
import type { PrivateKey, Transport } from '@libp2p/interface'

export type CafeNodeServices = {
  identify: Identify
  ping: Ping
}

export type CafeHelia = HeliaWithLibp2p<CafeNodeServices>

export interface CafeNode {
  helia: CafeHelia
  /** the node's identity, kept in the datastore; it also signs the cafe's sessions */
  privateKey: PrivateKey
  blockstore: IdbBlockstore
  datastore: IDBDatastore
  stop(): Promise<void>
}

export interface BrowserNodeInit {
  /** the cafe's name; its databases are `cafe/<name>/blocks` and `cafe/<name>/data` */
  name: string
  /** multiaddrs to listen on, e.g. `/dns4/relay.example/tcp/443/wss/p2p/<id>/p2p-circuit` */
  listen?: string[]
  /** allow dialing loopback and private addresses (development and tests) */
  allowPrivateDials?: boolean
}

function browserTransports (): Array<(components: any) => Transport> {
  const transports: Array<(components: any) => Transport> = [webSockets(), circuitRelayTransport()]
  if (typeof (globalThis as any).WebTransport === 'function') transports.push(webTransport())
  if (hasWebRTC()) transports.push(webRTC())
  return transports
}

/** true in a page, and in a SharedWorker once the WebRTC bridge is installed (src/worker/webrtc) */
function hasWebRTC (): boolean {
  return typeof (globalThis as any).RTCPeerConnection === 'function'
}

export async function createBrowserCafeNode (init: BrowserNodeInit): Promise<CafeNode> {
  const names = databaseNames(init.name)
  const blockstore = new IdbBlockstore(names.blocks)
  const datastore = new IDBDatastore(names.data)
  await Promise.all([blockstore.open(), datastore.open()])
  const privateKey = await loadOrCreateSelfKey(datastore)

  const helia = withBitswap(withLibp2pLight(createHeliaLight({
    blockstore,
    datastore,
    codecs: [dagCbor, dagJson],
    routers: []
  }), {
    privateKey,
    // '/webrtc' advertises <relay>/p2p-circuit/webrtc for each reservation
    addresses: { listen: [...init.listen ?? [], ...(hasWebRTC() ? ['/webrtc'] : [])] },
    transports: browserTransports(),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    // relayed peers all arrive from the relay's IP: libp2p's default of 5 a second hangs the 6th
    connectionManager: { inboundConnectionThreshold: 100 },
    connectionGater: init.allowPrivateDials === true ? { denyDialMultiaddr: () => false } : undefined,
    services: {
      identify: identify(),
      ping: ping()
    }
  })) as CafeHelia
  await helia.start()

  return {
    helia,
    privateKey,
    blockstore,
    datastore,
    async stop () {
      await helia.stop()
      await Promise.all([blockstore.close(), datastore.close()])
    }
  }
}
