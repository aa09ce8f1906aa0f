/**
 * Every route the cafe serves. A feature adds its routes by appending its array
 * here; both doors and the client's HTTP transport pick them up.
 */
import { accountRoutes } from './accounts.ts'
import { backupRoutes } from './backup.ts'
import { messagingRoutes } from './messaging.ts'
import type { AccountRouteServices } from './accounts.ts'
import type { BackupRouteServices } from './backup.ts'
import type { MessagingRouteServices } from './messaging.ts'
import type { Route } from '../route.ts'

export * from './accounts.ts'
export * from './backup.ts'
export * from './messaging.ts'

export type CafeServices = AccountRouteServices & BackupRouteServices & MessagingRouteServices

export const cafeRoutes: ReadonlyArray<Route<CafeServices>> = [
  ...accountRoutes,
  ...backupRoutes,
  ...messagingRoutes
]
