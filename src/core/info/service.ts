/**
 * The cafe info service: `GET /api/v0/cafe` tells who this cafe is and how to register.
 * The smallest service, and the worked example of docs/ARCHITECTURE.md.
 */
import { CAFE_PROTOCOL } from '../api/protocol.ts'
import { defineRoute } from '../api/route.ts'
import { noInput } from '../api/validate.ts'
import { defineService } from '../service.ts'
import type { AccountServices } from '../accounts/index.ts'
import type { Route } from '../api/route.ts'

export const CAFE_VERSION = '0.1.0'

/** What `GET /api/v0/cafe` tells about this cafe, besides its key. */
export interface CafeDescription {
  version: string
  /** the cafe's current libp2p addresses */
  addresses (): string[]
}

export interface CafeInfo {
  peerId: string
  addresses: string[]
  version: string
  protocol: string
  registration: 'open' | 'token'
}

export interface InfoRouteServices extends AccountServices {
  cafe: CafeDescription
}

export const infoRoutes: Array<Route<InfoRouteServices>> = [
  defineRoute({
    op: 'cafe.info',
    method: 'GET',
    path: '/api/v0/cafe',
    auth: 'none',
    summary: 'who this cafe is and how to register',
    input: noInput,
    handler: async ({ services }): Promise<CafeInfo> => ({
      peerId: services.sessions.issuer,
      addresses: services.cafe.addresses(),
      version: services.cafe.version,
      protocol: CAFE_PROTOCOL,
      registration: services.accounts.registration
    })
  })
]

export const infoService = defineService({}, () => components => ({
  provides: { cafe: { version: CAFE_VERSION, addresses: components.addresses } satisfies CafeDescription },
  routes: infoRoutes
}))
