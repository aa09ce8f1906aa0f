/**
 * Garbage collection as an owner route: what blocks no pin, library entry, pin being
 * fetched or upload in flight needs, and their removal (`browser-cafe gc` calls it).
 */
import { BadRequestError, UnavailableError } from '../errors.ts'
import { defineRoute } from '../api/route.ts'
import type { Route } from '../api/route.ts'
import type { GarbageReport, Pinning } from '../pinning/index.ts'

export interface GcRouteServices {
  /** absent on a cafe without a blockstore */
  pinning?: Pinning
}

/** `true`/`false` in a JSON body, or `?dryRun=true` in a query. */
function dryRunInput (raw: Record<string, unknown>): { dryRun: boolean } {
  const value = raw.dryRun
  if (value == null) return { dryRun: false }
  if (value === true || value === 'true') return { dryRun: true }
  if (value === false || value === 'false') return { dryRun: false }
  throw new BadRequestError('dryRun must be true or false', 'INPUT_INVALID')
}

export const gcRoutes: Array<Route<GcRouteServices, { dryRun: boolean }, GarbageReport>> = [
  defineRoute({
    op: 'gc.run',
    method: 'POST',
    path: '/api/v0/gc',
    auth: 'owner',
    summary: 'report the blocks nothing needs (no pin, library entry, pin being fetched or upload in flight) and remove them unless dryRun',
    input: dryRunInput,
    handler: async ({ services, input, signal }) => {
      if (services.pinning == null) throw new UnavailableError('this cafe does not store blocks', 'PINNING_UNAVAILABLE')
      return services.pinning.collectGarbage({ dryRun: input.dryRun, signal })
    }
  })
]
