/**
 * The cafe's services, in the order they are built (a service finds what earlier ones
 * provide). Adding a service is one module and one line here; its settings then come
 * from `createCafe`'s init under its name, and from the headless config file.
 */
import { accountsService } from './accounts/service.ts'
import { directoryService } from './directory/service.ts'
import { gcService } from './gc/service.ts'
import { inboxService } from './inbox/service.ts'
import { infoService } from './info/service.ts'
import { namesService } from './names/service.ts'
import { pinningService } from './pinning/service.ts'
import { snapshotsService } from './snapshots/service.ts'

export const cafeServices = {
  accounts: accountsService,
  cafe: infoService,
  pinning: pinningService,
  snapshots: snapshotsService,
  inbox: inboxService,
  directory: directoryService,
  gc: gcService,
  names: namesService
}

/** The settings the default services take, by service name (config file sections). */
export type CafeServicesInit = { [K in keyof typeof cafeServices]?: Parameters<typeof cafeServices[K]>[0] }
