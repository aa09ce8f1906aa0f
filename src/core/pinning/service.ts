/**
 * The pinning service: pin by CID, CAR uploads and the Pinning Service API, on the
 * cafe's storage (none without a blockstore: its routes then answer 503).
 */
import { defineService, integerKey } from '../service.ts'
import { createPinning, type PinningInit } from './index.ts'
import { checkReplicationInit } from './replication.ts'
import { PINNING_BASE_PATH, carUpload, pinningRoutes } from './routes.ts'

export const pinningService = defineService<PinningInit>({
  pinTimeoutMs: integerKey('time limit for fetching and pinning one DAG (default 600000)', 1000),
  concurrency: integerKey('pin-by-CID jobs running at once (default 4)', 1),
  perAccount: integerKey('pin-by-CID jobs of one account running at once (default half of concurrency)', 1),
  noProviderTimeoutMs: integerKey('a pin fails when no block of its root has arrived by then (default 30000)', 1000),
  replication: {
    summary: 'copy every pin to remote Pinning Service API endpoints: { remotes: [{ name, endpoint, accessToken }], library, concurrency, requestTimeoutMs, minDelayMs, maxDelayMs }',
    check: checkReplicationInit
  }
}, init => components => {
  const { storage, datastore, accounts, logger, clock, ledger, metrics } = components
  const pinning = storage == null
    ? undefined
    : createPinning({ ...storage, datastore, accounts, logger, clock, ledger, metrics, delegates: components.addresses, connect: components.dial }, init)
  return {
    provides: { pinning },
    routes: pinningRoutes,
    streams: [carUpload],
    httpMounts: [{ prefix: PINNING_BASE_PATH, errors: 'pinning-spec' }],
    dataOwner: pinning,
    start: async options => pinning?.start(options),
    stop: async () => pinning?.stop()
  }
})
