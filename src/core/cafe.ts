/**
 * The whole cafe as one object: its services, the route table both doors serve, the
 * HTTP door, and the owner's operations. Runtime-agnostic: the SharedWorker, the
 * headless Node cafe and the tests build it from the same components.
 */
import { createAccountServices, type AccountServicesInit } from './accounts/index.ts'
import { cafeRoutes, createCafeApi, createHttpApi, createOwnerApi, type CafeApi, type CafeServices, type HttpApi, type OwnerApi } from './api/index.ts'
import type { BaseComponents } from './types.ts'
import type { RateLimiterInit } from './accounts/rate-limiter.ts'
import type { PrivateKey } from '@libp2p/interface'

export const CAFE_VERSION = '0.1.0'

export interface CafeComponents extends BaseComponents {
  /** the cafe's own libp2p key: its peer id, and the key that signs sessions */
  privateKey: PrivateKey
  /** the cafe's current multiaddrs, for `GET /api/v0/cafe` */
  addresses(): string[]
}

export interface CafeInit {
  accounts?: AccountServicesInit
  /** requests per remote on both doors */
  requests?: Omit<RateLimiterInit, 'clock'>
  /** owner routes over HTTP need this secret; without one they do not exist (browser cafe) */
  ownerSecret?: string
}

export interface Cafe {
  services: CafeServices
  api: CafeApi<CafeServices>
  http: HttpApi
  owner: OwnerApi
}

export function createCafe (components: CafeComponents, init: CafeInit = {}): Cafe {
  const accountServices = createAccountServices(components, init.accounts)
  const services: CafeServices = {
    ...accountServices,
    cafe: { version: CAFE_VERSION, addresses: components.addresses }
  }
  const api = createCafeApi({ services, routes: cafeRoutes, logger: components.logger, clock: components.clock, requests: init.requests })
  return {
    services,
    api,
    http: createHttpApi(api, { logger: components.logger, ownerSecret: init.ownerSecret }),
    owner: createOwnerApi(api)
  }
}
