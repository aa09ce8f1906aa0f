/**
 * The snapshots service: sealed thread snapshots, counted in the storage ledger it
 * shares with pinning.
 */
import { defineService } from '../service.ts'
import { MAX_SNAPSHOT_BYTES, createSnapshots } from './index.ts'
import { snapshotRoutes } from './routes.ts'
import type { Pinning } from '../pinning/index.ts'

export const snapshotsService = defineService({}, () => components => {
  const { datastore, accounts, logger, clock, ledger } = components
  // a snapshot names its thread's HEAD; with a pinning service, whether that HEAD is pinned
  const pinning = components.services.pinning as Pinning | undefined
  const snapshots = createSnapshots({
    datastore,
    accounts,
    logger,
    clock,
    ledger,
    headPinned: pinning == null ? undefined : async (account, cid, options) => pinning.hasPin(account, cid, options)
  }, { maxSnapshotBytes: MAX_SNAPSHOT_BYTES })
  return { provides: { snapshots }, routes: snapshotRoutes, dataOwner: snapshots }
})
