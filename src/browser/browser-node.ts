/**
 * Assembles the cafe's Helia + libp2p node for a browser context (SharedWorker, page or
 * extension document). Storage is IndexedDB, named per cafe so two cafes on one origin
 * do not collide; the peer identity is kept in the datastore (Helia's self key), so it
 * survives reloads. Transports are chosen by what the context offers: a SharedWorker has
 * no RTCPeerConnection (docs/ARCHITECTURE.md), so WebRTC is only added where it exists.
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { loadOrCreateSelfKey } from '@libp2p/config'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { webTransport } from '@libp2p/webtransport'
import { IDBDatastore } from 'datastore-idb'
import { createCafeHelia, type CafeHelia } from '../node/cafe-helia.ts'
import { databaseNames } from './database-names.ts'
import { IdbBlockstore } from './idb-blockstore.ts'
import type { PrivateKey, Transport } from '@libp2p/interface'

export type { CafeHelia, CafeNodeServices } from '../node/cafe-helia.ts'

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

  const helia = createCafeHelia({
    blockstore,
    datastore,
    privateKey,
    // '/webrtc' advertises <relay>/p2p-circuit/webrtc for each reservation
    listen: [...init.listen ?? [], ...(hasWebRTC() ? ['/webrtc'] : [])],
    transports: browserTransports(),
    allowPrivateDials: init.allowPrivateDials
  })
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
