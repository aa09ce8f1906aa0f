/**
 * The whole cafe as one object: its services, the registry both doors serve, the
 * HTTP surface, the libp2p protocols, and the owner's operations. Runtime-agnostic:
 * the SharedWorker, the headless Node cafe and the tests build it from the same
 * components.
 *
 * Each service (service.ts) brings its routes, stream routes, data owner and start/stop;
 * the cafe gathers them into one registry: one route table for the HTTP and libp2p doors,
 * one libp2p protocol per stream route, one set of rate-limit buckets.
 */
import { createAccountServices, type AccountServices, type AccountServicesInit } from './accounts/index.ts'
import { createRateBuckets, type RateBucketsInit } from './api/buckets.ts'
import { createCafeApi, createHttpApi, createOwnerApi, registerProtocols, type CafeApi, type HttpApi, type OwnerApi, type ProtocolHost } from './api/index.ts'
import { cafeServices } from './services.ts'
import { createStorageLedger } from './storage/ledger.ts'
import type { DirectoryInit, Directory } from './directory/index.ts'
import type { InboxInit, Inbox } from './inbox/index.ts'
import type { Names, NamesInit } from './names/names.ts'
import type { Providers } from './names/providers.ts'
import type { InboxPush } from './inbox/push.ts'
import type { JsonResponder } from './api/respond.ts'
import type { CafeDescription } from './info/service.ts'
import type { Pinning, PinningInit } from './pinning/index.ts'
import type { Snapshots } from './snapshots/index.ts'
import type { CafeComponents, CafeService, CafeServiceFactory } from './service.ts'
import type { RateLimiterInit } from './util/rate-limiter.ts'
import type { AbortOptions } from './types.ts'

export { CAFE_VERSION } from './info/service.ts'
export type { CafeComponents, CafeStorage } from './service.ts'

/** What the default services provide to routes (`context.services`). */
export interface CafeServices extends AccountServices {
  cafe: CafeDescription
  /** absent on a cafe without a blockstore */
  pinning?: Pinning
  snapshots: Snapshots
  inbox: Inbox
  inboxPush: InboxPush
  directory: Directory
  names: Names
  providers: Providers
  [name: string]: unknown
}

export interface CafeInit {
  accounts?: AccountServicesInit
  pinning?: PinningInit
  inbox?: InboxInit
  directory?: DirectoryInit
  names?: NamesInit
  /** requests per remote on every door (the `requests` bucket) */
  requests?: Omit<RateLimiterInit, 'clock'>
  /** new uploads and subscriptions per remote peer and address (the `streams` bucket) */
  streams?: Omit<RateLimiterInit, 'clock'>
  /** owner routes over HTTP need this secret; without one they do not exist (browser cafe) */
  ownerSecret?: string
  /**
   * Services by name, built in order after the default ones (libp2p's `services` map):
   * a name of a default service replaces it, `false` leaves it out.
   */
  services?: Record<string, CafeServiceFactory | false>
  /** builds the HTTP door's JSON answers (HttpApiInit `respond`); default a standard Response */
  httpResponses?: JsonResponder
}

export interface Cafe {
  services: CafeServices
  api: CafeApi<CafeServices>
  http: HttpApi
  owner: OwnerApi
  /** serves the cafe's libp2p protocols; returns a function that stops serving them */
  handleProtocols(node: ProtocolHost): Promise<() => Promise<void>>
  /** starts every service (directory index, queued pins, inbox sweep and pushes) */
  start(options?: AbortOptions): Promise<void>
  stop(): Promise<void>
}

/** The factories to build: the default services with their init, then `init.services`. */
function factoriesOf (init: CafeInit): Array<[string, CafeServiceFactory]> {
  const factories = new Map<string, CafeServiceFactory | false>([
    ['accounts', cafeServices.accounts()],
    ['cafe', cafeServices.cafe()],
    ['pinning', cafeServices.pinning(init.pinning)],
    ['snapshots', cafeServices.snapshots()],
    ['inbox', cafeServices.inbox(init.inbox)],
    ['directory', cafeServices.directory(init.directory)],
    ['gc', cafeServices.gc()],
    ['names', cafeServices.names(init.names)]
  ])
  for (const [name, factory] of Object.entries(init.services ?? {})) factories.set(name, factory)
  return [...factories].filter((entry): entry is [string, CafeServiceFactory] => entry[1] !== false)
}

export function createCafe (components: CafeComponents, init: CafeInit = {}): Cafe {
  const { logger, clock } = components
  const accountServices = createAccountServices(components, init.accounts)
  const { accounts } = accountServices
  // one ledger keeps the storage quota for every service that stores bytes
  const ledger = createStorageLedger({ accounts, logger })

  const provided: Record<string, unknown> = {}
  const built: CafeService[] = []
  for (const [name, factory] of factoriesOf(init)) {
    const service = factory({ ...components, ...accountServices, ledger, services: { ...provided } })
    for (const [key, value] of Object.entries(service.provides ?? {})) {
      if (key in provided) throw new Error(`service ${name} provides ${key}, which another service provides`)
      provided[key] = value
    }
    built.push(service)
  }
  for (const owner of [...built.map(service => service.dataOwner), ledger]) if (owner != null) accounts.addDataOwner(owner)

  const services = provided as CafeServices
  const buckets = createRateBuckets({ requests: init.requests, streams: init.streams } satisfies RateBucketsInit, clock)
  const routes = built.flatMap(service => service.routes ?? [])
  const streams = built.flatMap(service => service.streams ?? [])
  const api = createCafeApi({ services, routes, logger, clock, buckets })
  const http = createHttpApi(api, {
    logger,
    ownerSecret: init.ownerSecret,
    streams,
    accounts,
    buckets,
    services,
    mounts: built.flatMap(service => service.httpMounts ?? []),
    codecs: built.flatMap(service => service.httpCodecs ?? []),
    respond: init.httpResponses
  })

  return {
    services,
    api,
    http,
    owner: createOwnerApi(api),
    async handleProtocols (node) {
      const stop = await registerProtocols(node, { api, streams, accounts, buckets, services, logger })
      return async () => {
        await stop()
        for (const service of built) await service.unhandle?.()
      }
    },
    async start (options) {
      for (const service of built) await service.start?.(options)
    },
    async stop () {
      for (const service of [...built].reverse()) await service.stop?.()
    }
  }
}
