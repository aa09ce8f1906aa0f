/**
 * The whole cafe as one object: its services, the route table both doors serve, the
 * HTTP surface, the libp2p protocols, and the owner's operations. Runtime-agnostic:
 * the SharedWorker, the headless Node cafe and the tests build it from the same
 * components.
 */
import { createAccountServices, type AccountServicesInit } from './accounts/index.ts'
import { createRateLimiter, type RateLimiterInit } from './util/rate-limiter.ts'
import { registerCarProtocol } from './api/car-protocol.ts'
import { createCafeHttp } from './api/cafe-http.ts'
import { registerInboxPush } from './api/inbox-push.ts'
import { MAX_SNAPSHOT_BYTES, cafeRoutes, createCafeApi, createHttpApi, createOwnerApi, registerCafeProtocol, type CafeApi, type CafeServices, type HttpApi, type OwnerApi, type ProtocolHost } from './api/index.ts'
import { createDirectory, type DirectoryInit } from './directory/index.ts'
import { createInbox, type InboxInit } from './inbox/index.ts'
import { createPinning, type FetchDag, type PinningInit, type PinsLike } from './pinning/index.ts'
import { createPinningHttp } from './pinning/http.ts'
import { createSnapshots } from './snapshots/index.ts'
import { createStorageLedger } from './storage/ledger.ts'
import type { AbortOptions, BaseComponents } from './types.ts'
import type { PrivateKey } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'

export const CAFE_VERSION = '0.1.0'

/** Where pinned blocks live: Helia's blockstore and pins, and how to fetch a DAG. */
export interface CafeStorage {
  blockstore: Blockstore
  pins: PinsLike
  fetchDag?: FetchDag
}

export interface CafeComponents extends BaseComponents {
  /** the cafe's own libp2p key: its peer id, and the key that signs sessions */
  privateKey: PrivateKey
  /** the cafe's current multiaddrs, for `GET /api/v0/cafe` and pin delegates */
  addresses(): string[]
  /** without it the cafe keeps accounts and snapshots but pins nothing */
  storage?: CafeStorage
}

export interface CafeInit {
  accounts?: AccountServicesInit
  pinning?: PinningInit
  inbox?: InboxInit
  directory?: DirectoryInit
  /** requests per remote on every door */
  requests?: Omit<RateLimiterInit, 'clock'>
  /** owner routes over HTTP need this secret; without one they do not exist (browser cafe) */
  ownerSecret?: string
}

export interface Cafe {
  services: CafeServices
  api: CafeApi<CafeServices>
  http: HttpApi
  owner: OwnerApi
  /** serves the cafe's libp2p protocols; returns a function that stops serving them */
  handleProtocols(node: ProtocolHost): Promise<() => Promise<void>>
  /** loads the directory index, resumes pin requests left queued, starts the inbox sweep */
  start(options?: AbortOptions): Promise<void>
  stop(): Promise<void>
}

export function createCafe (components: CafeComponents, init: CafeInit = {}): Cafe {
  const { logger, clock, datastore } = components
  const accountServices = createAccountServices(components, init.accounts)
  const { accounts } = accountServices

  // one ledger keeps the storage quota for every service that stores bytes
  const ledger = createStorageLedger({ accounts, logger })
  const pinning = components.storage == null
    ? undefined
    : createPinning({ ...components.storage, datastore, accounts, logger, clock, ledger, delegates: components.addresses }, init.pinning)
  const snapshots = createSnapshots({
    datastore,
    accounts,
    logger,
    clock,
    ledger,
    headPinned: pinning == null ? undefined : async (account, cid, options) => pinning.hasPin(account, cid, options)
  }, { maxSnapshotBytes: MAX_SNAPSHOT_BYTES })
  const inbox = createInbox({ datastore, logger, clock, accounts }, init.inbox)
  const directory = createDirectory({ datastore, logger, clock, accounts }, init.directory)
  for (const owner of [pinning, snapshots, inbox, directory, ledger]) if (owner != null) accounts.addDataOwner(owner)

  const services: CafeServices = {
    ...accountServices,
    pinning,
    snapshots,
    inbox,
    directory,
    cafe: { version: CAFE_VERSION, addresses: components.addresses }
  }
  const api = createCafeApi({ services, routes: cafeRoutes, logger, clock, requests: init.requests })
  const http = createCafeHttp({
    api: createHttpApi(api, { logger, ownerSecret: init.ownerSecret }),
    accounts,
    pinning: pinning == null ? undefined : createPinningHttp({ pinning }),
    clock
  }, { requests: init.requests })
  // new CAR uploads and inbox subscriptions per remote peer
  const streams = createRateLimiter({ capacity: 10, refillPerSecond: 1, clock })

  return {
    services,
    api,
    http,
    owner: createOwnerApi(api),
    async handleProtocols (node) {
      const stops = [
        await registerCafeProtocol(node, api, { logger }),
        await registerCarProtocol(node, { accounts, pinning, limiter: streams, logger }),
        await registerInboxPush(node, { accounts, inbox, limiter: streams, logger })
      ]
      return async () => { await Promise.all(stops.map(async stop => stop())) }
    },
    async start (options) {
      await directory.start(options)
      await pinning?.start(options)
      inbox.start()
    },
    async stop () {
      inbox.stop()
      await pinning?.stop()
    }
  }
}
