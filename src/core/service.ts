/**
 * A cafe service: one module that brings its routes, its libp2p stream protocols, its
 * data for account removal, its start/stop and its settings. `createCafe` builds each
 * from the cafe's components, in the spirit of libp2p's `services` map:
 *
 *   createCafe(components, { services: { echo: echoService() } })
 *
 * A service's routes reach the objects it `provides` as `context.services.<name>`.
 */
import { BadRequestError } from './errors.ts'
import type { AccountServices } from './accounts/index.ts'
import type { ErrorShape, HttpCodec, Route, StreamRoute } from './api/route.ts'
import type { StorageLedger } from './storage/ledger.ts'
import type { AbortOptions, AccountDataOwner, BaseComponents } from './types.ts'
import type { PrivateKey } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { FetchDag, PinsLike } from './pinning/index.ts'
import type { CafeMetrics } from './metrics.ts'

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
  /** multiaddrs of the cafe's HTTP gateway (`/ip4/…/tcp/…/http`), for content routing answers */
  httpAddresses?(): string[]
  /** dial a peer's multiaddr (pin replication connects to the remote services' delegates) */
  dial?(multiaddr: string, options?: AbortOptions): Promise<void>
  /** without it the cafe keeps accounts and snapshots but pins nothing */
  storage?: CafeStorage
  /** where services register their metrics (src/core/metrics.ts); absent: nothing is recorded */
  metrics?: CafeMetrics
}

/** What a service factory is given: the cafe's components, its accounts and storage ledger, and what earlier services provide. */
export interface CafeServiceComponents extends CafeComponents, AccountServices {
  /** one ledger keeps the storage quota for every service that stores bytes */
  ledger: StorageLedger
  /** what the services built before this one provide, by name (the services map's order) */
  services: Readonly<Record<string, unknown>>
}

export interface CafeService {
  /** objects the routes (and later services) find in `services`, by name */
  provides?: Record<string, unknown>
  /** request/response routes, served by the HTTP and libp2p doors */
  routes?: ReadonlyArray<Route<any>>
  /** stream routes: their own libp2p protocols (and HTTP upload routes) */
  streams?: ReadonlyArray<StreamRoute<any>>
  /** HTTP APIs with their own wire format under a path prefix, answered by calling the routes */
  httpCodecs?: ReadonlyArray<HttpCodec>
  /** the error shape of the HTTP door's own answers (404, 405, 400) under a path prefix */
  httpMounts?: ReadonlyArray<{ prefix: string, errors: ErrorShape }>
  /** deletes the service's data when an account is removed, and reports its usage */
  dataOwner?: AccountDataOwner
  start?(options?: AbortOptions): Promise<void> | void
  stop?(options?: AbortOptions): Promise<void> | void
  /** ends what the service holds open on streams when the cafe stops serving its protocols */
  unhandle?(): Promise<void> | void
}

export type CafeServiceFactory = (components: CafeServiceComponents) => CafeService

/** One setting a config file may give a service: a one-line summary and its check. */
export interface ConfigKey {
  summary: string
  /** returns the value, or throws naming the key */
  check (value: unknown, name: string): unknown
}

export type ConfigSpec<Init> = { readonly [K in keyof Init]-?: ConfigKey }

/** A service module: `module(init)` is the factory; `module.config` the settings `init` takes, with their checks. */
export interface ServiceModule<Init extends object = Record<string, never>> {
  (init?: Init): CafeServiceFactory
  readonly config: ConfigSpec<Init>
}

export function defineService<Init extends object> (config: ConfigSpec<Init>, module: (init?: Init) => CafeServiceFactory): ServiceModule<Init> {
  return Object.assign(module, { config })
}

/** Checks a service's settings (from a config file) against its spec: unknown keys and bad values throw. */
export function checkServiceConfig<Init extends object> (service: string, spec: ConfigSpec<Init>, value: unknown): Init {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadRequestError(`${service} must be an object`, 'CONFIG_INVALID')
  const out: Record<string, unknown> = {}
  for (const [key, raw] of Object.entries(value)) {
    const entry = (spec as Record<string, ConfigKey | undefined>)[key]
    if (entry == null) throw new BadRequestError(`${service}.${key} is not a setting (known: ${Object.keys(spec).join(', ')})`, 'CONFIG_INVALID')
    out[key] = entry.check(raw, `${service}.${key}`)
  }
  return out as Init
}

/** A whole number of at least `min` (the common shape of limits, sizes and times). */
export function integerKey (summary: string, min = 0): ConfigKey {
  return {
    summary,
    check (value, name) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw new BadRequestError(`${name} must be an integer of at least ${min}`, 'CONFIG_INVALID')
      return value
    }
  }
}

export function booleanKey (summary: string): ConfigKey {
  return {
    summary,
    check (value, name) {
      if (typeof value !== 'boolean') throw new BadRequestError(`${name} must be true or false`, 'CONFIG_INVALID')
      return value
    }
  }
}

/** `{ perMinute, burst }`: a steady rate and a burst. */
export function rateKey (summary: string): ConfigKey {
  return {
    summary,
    check (value, name) {
      const rate = value as { perMinute?: unknown, burst?: unknown } | null
      if (typeof rate !== 'object' || rate === null || Object.keys(rate).some(key => key !== 'perMinute' && key !== 'burst') ||
        typeof rate.perMinute !== 'number' || !(rate.perMinute > 0) || typeof rate.burst !== 'number' || !Number.isSafeInteger(rate.burst) || rate.burst < 1) {
        throw new BadRequestError(`${name} must be { perMinute: > 0, burst: an integer >= 1 }`, 'CONFIG_INVALID')
      }
      return { perMinute: rate.perMinute, burst: rate.burst }
    }
  }
}
