import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2pInit } from 'libp2p'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight } from 'helia'
import { createCafe, type Cafe, type CafeInit } from '../../src/core/cafe.ts'
import type { HttpApi, OwnerApi, CafeApi } from '../../src/core/api/index.ts'
import type { CafeServices } from '../../src/core/cafe.ts'
import type { Helia } from '@helia/interface'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

type ConnectionManagerInit = NonNullable<Libp2pInit['connectionManager']>

export interface TestCafe {
  key: PrivateKey
  peerId: string
  cafe: Cafe
  services: CafeServices
  api: CafeApi<CafeServices>
  http: HttpApi
  owner: OwnerApi
  /** present when the cafe was made with storage */
  helia?: Helia
  advance (ms: number): void
  now (): number
}

export interface TestCafeOptions {
  /** a Helia over memory stores for pinning (no network) */
  storage?: boolean
  /** the cafe's settings (rate-limit buckets, services) */
  cafe?: CafeInit
}

/** A whole cafe (createCafe) over memory stores, with a clock the test moves. */
export async function createTestCafe (key?: PrivateKey, addresses: () => string[] = () => [], options: TestCafeOptions = {}): Promise<TestCafe> {
  key ??= await generateKeyPair('Ed25519')
  let now = Date.now()
  const clock = (): number => now
  const datastore = new MemoryDatastore()
  let helia: Helia | undefined
  if (options.storage === true) {
    helia = createHeliaLight({ blockstore: new MemoryBlockstore(), datastore })
    await helia.start()
  }
  const cafe = createCafe({
    datastore,
    logger: defaultLogger(),
    clock,
    privateKey: key,
    addresses,
    storage: helia == null ? undefined : { blockstore: helia.blockstore, pins: helia.pins }
  }, options.cafe)
  await cafe.start()
  return {
    key,
    peerId: peerIdFromPrivateKey(key).toString(),
    cafe,
    services: cafe.services,
    api: cafe.api,
    http: cafe.http,
    owner: cafe.owner,
    helia,
    advance: ms => { now += ms },
    now: clock
  }
}

/** A libp2p node over TCP on 127.0.0.1 (listening when `listen` is given). */
export async function tcpNode (privateKey?: PrivateKey, listen: string[] = [], connectionManager?: ConnectionManagerInit): Promise<Libp2p> {
  return createLibp2p({
    ...(privateKey != null ? { privateKey } : {}),
    ...(connectionManager != null ? { connectionManager } : {}),
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
}

export interface Libp2pCafe {
  cafe: TestCafe
  cafeNode: Libp2p
  clientNode: Libp2p
  /** the cafe's dialable address */
  address: Multiaddr
  stop(): Promise<void>
}

/** A whole cafe serving its libp2p protocols over TCP, and a client node to dial it. */
export async function createLibp2pCafe (options: TestCafeOptions & { connectionManager?: ConnectionManagerInit } = {}): Promise<Libp2pCafe> {
  const key = await generateKeyPair('Ed25519')
  const cafeNode = await tcpNode(key, ['/ip4/127.0.0.1/tcp/0'], options.connectionManager)
  const clientNode = await tcpNode()
  const cafe = await createTestCafe(key, () => cafeNode.getMultiaddrs().map(String), options)
  const unhandle = await cafe.cafe.handleProtocols(cafeNode)
  return {
    cafe,
    cafeNode,
    clientNode,
    address: cafeNode.getMultiaddrs()[0],
    async stop () {
      await unhandle()
      await cafe.cafe.stop()
      await Promise.all([clientNode.stop(), cafeNode.stop(), cafe.helia?.stop()])
    }
  }
}
