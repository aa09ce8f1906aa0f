import { defaultLogger } from '@libp2p/logger'
import { createCafe } from '../accounts/fixtures.ts'
import { createCafeApi, createHttpApi } from '../../../src/core/api/index.ts'
import { cafeRoutes } from '../../../src/core/routes.ts'
import { MAX_SNAPSHOT_BYTES } from '../../../src/core/snapshots/index.ts'
import { createInboxPush } from '../../../src/core/inbox/push.ts'
import { createDirectory } from '../../../src/core/directory/index.ts'
import { createInbox } from '../../../src/core/inbox/index.ts'
import { createSnapshots } from '../../../src/core/snapshots/index.ts'
import { createNames } from '../../../src/core/names/names.ts'
import { createProviders } from '../../../src/core/names/providers.ts'
import { createStorageLedger } from '../../../src/core/storage/ledger.ts'
import type { Cafe } from '../accounts/fixtures.ts'
import type { CafeApi, HttpApi } from '../../../src/core/api/index.ts'
import type { CafeServices } from '../../../src/core/cafe.ts'
import type { AccountServicesInit } from '../../../src/core/accounts/index.ts'

export const OWNER_SECRET = 'owner-secret-0123456789abcdef0123456789'

export interface ApiFixture {
  cafe: Cafe
  services: CafeServices
  api: CafeApi<CafeServices>
  http: HttpApi
  /** the same cafe's HTTP door without an owner secret, as the browser cafe runs it */
  httpNoOwner: HttpApi
}

export async function createApiFixture (init: AccountServicesInit = {}): Promise<ApiFixture> {
  const cafe = await createCafe(init)
  const logger = defaultLogger()
  const snapshots = createSnapshots({ datastore: cafe.datastore, accounts: cafe.accounts, logger }, { maxSnapshotBytes: MAX_SNAPSHOT_BYTES })
  const messaging = { datastore: cafe.datastore, accounts: cafe.accounts, logger, clock: cafe.now }
  const inbox = createInbox(messaging)
  const addresses = (): string[] => [`/ip4/127.0.0.1/tcp/4001/p2p/${cafe.peerId}`]
  const names = createNames({ ...messaging, ledger: createStorageLedger({ accounts: cafe.accounts, logger }) })
  const services: CafeServices = {
    ...cafe,
    snapshots,
    inbox,
    inboxPush: createInboxPush({ inbox, logger }),
    directory: createDirectory(messaging),
    names,
    providers: createProviders({ peerId: cafe.peerId, addresses }),
    cafe: { version: '0.1.0-test', addresses }
  }
  const api = createCafeApi({ services, routes: cafeRoutes, logger, clock: cafe.now })
  return {
    cafe,
    services,
    api,
    http: createHttpApi(api, { ownerSecret: OWNER_SECRET, logger }),
    httpNoOwner: createHttpApi(api, { logger })
  }
}

export interface Call {
  method?: string
  body?: unknown
  bearer?: string
  headers?: Record<string, string>
  remote?: string
}

export async function request (http: HttpApi, path: string, call: Call = {}): Promise<{ status: number, body: any, headers: Headers }> {
  const headers: Record<string, string> = { ...call.headers }
  if (call.bearer != null) headers.authorization = `Bearer ${call.bearer}`
  let body: string | undefined
  if (call.body !== undefined) {
    headers['content-type'] = 'application/json'
    body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body)
  }
  const response = await http.fetch(new Request(`http://cafe.test${path}`, { method: call.method ?? 'GET', headers, body }), { remote: call.remote })
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers }
}
