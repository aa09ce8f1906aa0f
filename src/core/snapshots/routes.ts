/**
 * Routes of the snapshots service: thread snapshots (ciphertext the client sealed;
 * base64 over JSON).
 */
import { fromBase64, toBase64 } from '../util/canonical.ts'
import { defineRoute } from '../api/route.ts'
import { noInput, optionalString, requiredString } from '../api/validate.ts'
import { MAX_SNAPSHOT_BYTES } from './index.ts'
import type { Snapshots } from './index.ts'
import type { Route } from '../api/route.ts'

export interface SnapshotRouteServices {
  snapshots: Snapshots
}

type S = SnapshotRouteServices
type Raw = Record<string, unknown>

function threadInput (raw: Raw): { thread: string } {
  return { thread: requiredString(raw, 'thread', 128) }
}

function ciphertextInput (raw: Raw): Uint8Array {
  return fromBase64(requiredString(raw, 'ciphertext', Math.ceil(MAX_SNAPSHOT_BYTES * 4 / 3) + 4), 'INPUT_INVALID', 'ciphertext')
}

export const snapshotRoutes: Array<Route<S>> = [
  defineRoute({
    op: 'snapshots.list',
    method: 'GET',
    path: '/api/v0/snapshots',
    auth: 'access',
    summary: 'the account\'s thread snapshots (without their ciphertext)',
    input: noInput,
    handler: async ({ services, account, signal }) => services.snapshots.list(account, { signal })
  }),
  defineRoute({
    op: 'snapshots.get',
    method: 'GET',
    path: '/api/v0/snapshots/:thread',
    auth: 'access',
    summary: 'one thread snapshot with its ciphertext (base64)',
    input: threadInput,
    handler: async ({ services, account, input, signal }) => {
      const { ciphertext, ...info } = await services.snapshots.get(account, input.thread, { signal })
      return { ...info, ciphertext: toBase64(ciphertext) }
    }
  }),
  defineRoute({
    op: 'snapshots.put',
    method: 'PUT',
    path: '/api/v0/snapshots/:thread',
    auth: 'access',
    maxBodyBytes: Math.ceil(MAX_SNAPSHOT_BYTES * 4 / 3) + 1024,
    summary: 'store or replace a thread snapshot: ciphertext (base64) and its HEAD CID',
    input: raw => ({ ...threadInput(raw), ciphertext: ciphertextInput(raw), head: optionalString(raw, 'head', 256) }),
    handler: async ({ services, account, input, signal }) => services.snapshots.put(account, input.thread, input.ciphertext, { head: input.head, signal })
  }),
  defineRoute({
    op: 'snapshots.delete',
    method: 'DELETE',
    path: '/api/v0/snapshots/:thread',
    auth: 'access',
    summary: 'delete a thread snapshot',
    input: threadInput,
    handler: async ({ services, account, input, signal }) => { await services.snapshots.delete(account, input.thread, { signal }) }
  })
]
