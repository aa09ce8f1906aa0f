/**
 * Every route and stream route the default services declare, without the services
 * themselves: the client's HTTP transport maps operations to paths with it, and
 * docs/API.md is checked against it. A test checks it matches what `createCafe` serves.
 */
import { accountRoutes } from './accounts/routes.ts'
import { directoryRoutes } from './directory/routes.ts'
import { gcRoutes } from './gc/routes.ts'
import { inboxRoutes, inboxSubscription } from './inbox/routes.ts'
import { infoRoutes } from './info/service.ts'
import { namesRoutes } from './names/routes.ts'
import { carUpload, pinningRoutes } from './pinning/routes.ts'
import { snapshotRoutes } from './snapshots/routes.ts'
import type { Route, StreamRoute } from './api/route.ts'

export const cafeRoutes: ReadonlyArray<Route<any>> = [
  ...infoRoutes,
  ...accountRoutes,
  ...pinningRoutes,
  ...snapshotRoutes,
  ...inboxRoutes,
  ...directoryRoutes,
  ...gcRoutes,
  ...namesRoutes
]

export const cafeStreamRoutes: ReadonlyArray<StreamRoute<any>> = [carUpload, inboxSubscription]
