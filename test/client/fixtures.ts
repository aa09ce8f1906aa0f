import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MemoryDatastore } from 'datastore-core'
import { createAccountServices } from '../../src/core/accounts/index.ts'
import { cafeRoutes, createCafeApi, createHttpApi, createOwnerApi } from '../../src/core/api/index.ts'
import type { AccountServices } from '../../src/core/accounts/index.ts'
import type { CafeApi, CafeServices, HttpApi, OwnerApi } from '../../src/core/api/index.ts'
import type { PrivateKey } from '@libp2p/interface'

export interface TestCafe {
  key: PrivateKey
  peerId: string
  services: AccountServices
  api: CafeApi<CafeServices>
  http: HttpApi
  owner: OwnerApi
  advance (ms: number): void
  now (): number
}

export async function createTestCafe (key?: PrivateKey, addresses: () => string[] = () => []): Promise<TestCafe> {
  key ??= await generateKeyPair('Ed25519')
  let now = Date.now()
  const clock = (): number => now
  const logger = defaultLogger()
  const services = createAccountServices({ datastore: new MemoryDatastore(), logger, clock, privateKey: key })
  const api = createCafeApi({ services: { ...services, cafe: { version: 'test', addresses } }, routes: cafeRoutes, logger, clock })
  return {
    key,
    peerId: peerIdFromPrivateKey(key).toString(),
    services,
    api,
    http: createHttpApi(api, { logger }),
    owner: createOwnerApi(api),
    advance: ms => { now += ms },
    now: clock
  }
}
