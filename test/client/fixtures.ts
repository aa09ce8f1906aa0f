import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight } from 'helia'
import { createCafe, type Cafe } from '../../src/core/cafe.ts'
import type { CafeServices, HttpApi, OwnerApi, CafeApi } from '../../src/core/api/index.ts'
import type { Helia } from '@helia/interface'
import type { PrivateKey } from '@libp2p/interface'

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
  })
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
