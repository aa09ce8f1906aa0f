/**
 * The directory service: signed contacts, published by their accounts, searched by anyone.
 */
import { defineService, integerKey, rateKey } from '../service.ts'
import { createDirectory, type DirectoryInit } from './directory.ts'
import { directoryRoutes } from './routes.ts'

export const directoryService = defineService<DirectoryInit>({
  maxResults: integerKey('largest page a search returns (default 50)', 1),
  searchRate: rateKey('searches per remote (default { perMinute: 120, burst: 30 })')
}, init => components => {
  const { datastore, logger, clock, accounts } = components
  const directory = createDirectory({ datastore, logger, clock, accounts }, init)
  return { provides: { directory }, routes: directoryRoutes, dataOwner: directory, start: async options => directory.start(options) }
})
