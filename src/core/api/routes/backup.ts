/**
 * Routes of the backup service: pins (the same service as the Pinning Service API at
 * /api/v0/pinning, in the cafe's own JSON shape so the libp2p door has them too) and
 * thread snapshots (ciphertext the client sealed; base64 over JSON).
 */
import { BadRequestError, UnavailableError } from '../../errors.ts'
import { fromBase64, toBase64 } from '../../util/canonical.ts'
import { defineRoute } from '../route.ts'
import { noInput, optionalInteger, optionalString, requiredString } from '../validate.ts'
import { metaInput } from '../../pinning/validate.ts'
import type { Pinning, PinQuery } from '../../pinning/index.ts'
import type { Snapshots } from '../../snapshots/index.ts'
import type { Route } from '../route.ts'

export interface BackupRouteServices {
  /** absent on a cafe without a blockstore */
  pinning?: Pinning
  snapshots: Snapshots
}

/** Largest snapshot ciphertext; the JSON body carries it as base64. */
export const MAX_SNAPSHOT_BYTES = 1024 * 1024

type S = BackupRouteServices
type Raw = Record<string, unknown>

function pinningOf (services: S): Pinning {
  if (services.pinning == null) throw new UnavailableError('this cafe does not store blocks', 'PINNING_UNAVAILABLE')
  return services.pinning
}

function optionalStringList (raw: Raw, name: string, max: number): string[] | undefined {
  const value = raw[name]
  if (value == null) return undefined
  const list = typeof value === 'string' ? value.split(',') : value
  if (!Array.isArray(list) || list.length > max || !list.every(item => typeof item === 'string' && item.length <= 256)) {
    throw new BadRequestError(`${name} must be a list of at most ${max} strings`, 'INPUT_INVALID')
  }
  return list
}

function optionalMeta (raw: Raw): Record<string, string> | undefined {
  return metaInput(raw, 'INPUT_INVALID')
}

function pinInput (raw: Raw): { cid: string, name?: string, origins?: string[], meta?: Record<string, string> } {
  return {
    cid: requiredString(raw, 'cid', 256),
    name: optionalString(raw, 'name', 255),
    origins: optionalStringList(raw, 'origins', 20),
    meta: optionalMeta(raw)
  }
}

function pinQuery (raw: Raw): PinQuery {
  const query: PinQuery = {}
  const cid = optionalStringList(raw, 'cid', 10)
  if (cid != null) query.cid = cid
  const name = optionalString(raw, 'name', 255)
  if (name != null) query.name = name
  if (raw.match != null) query.match = requiredString(raw, 'match', 16) as PinQuery['match']
  const status = optionalStringList(raw, 'status', 4)
  if (status != null) query.status = status as PinQuery['status']
  for (const field of ['before', 'after', 'limit'] as const) {
    const value = optionalInteger(raw, field)
    if (value != null) query[field] = value
  }
  const meta = optionalMeta(raw)
  if (meta != null) query.meta = meta
  return query
}

function threadInput (raw: Raw): { thread: string } {
  return { thread: requiredString(raw, 'thread', 128) }
}

function ciphertextInput (raw: Raw): Uint8Array {
  return fromBase64(requiredString(raw, 'ciphertext', Math.ceil(MAX_SNAPSHOT_BYTES * 4 / 3) + 4), 'INPUT_INVALID', 'ciphertext')
}

export const backupRoutes: Array<Route<S>> = [
  defineRoute({
    op: 'pins.add',
    method: 'POST',
    path: '/api/v0/pins',
    auth: 'access',
    status: 202,
    summary: 'pin a DAG by CID: the cafe fetches it from the origins and connected peers',
    input: pinInput,
    handler: async ({ services, account, input, signal }) => pinningOf(services).add(account, input, { signal })
  }),
  defineRoute({
    op: 'pins.list',
    method: 'GET',
    path: '/api/v0/pins',
    auth: 'access',
    summary: 'the account\'s pins, newest first, with the Pinning Service API\'s filters',
    input: pinQuery,
    handler: async ({ services, account, input, signal }) => pinningOf(services).list(account, input, { signal })
  }),
  defineRoute({
    op: 'pins.get',
    method: 'GET',
    path: '/api/v0/pins/:requestid',
    auth: 'access',
    summary: 'one pin request and its status',
    input: raw => ({ requestid: requiredString(raw, 'requestid', 128) }),
    handler: async ({ services, account, input, signal }) => pinningOf(services).get(account, input.requestid, { signal })
  }),
  defineRoute({
    op: 'pins.remove',
    method: 'DELETE',
    path: '/api/v0/pins/:requestid',
    auth: 'access',
    summary: 'unpin; blocks no other pin needs are deleted',
    input: raw => ({ requestid: requiredString(raw, 'requestid', 128) }),
    handler: async ({ services, account, input, signal }) => { await pinningOf(services).remove(account, input.requestid, { signal }) }
  }),
  defineRoute({
    op: 'clients.pins',
    method: 'GET',
    path: '/api/v0/clients/:peer/pins',
    auth: 'owner',
    summary: 'a client\'s pin requests in every status, newest first, for the console',
    input: raw => ({ peer: requiredString(raw, 'peer', 128), ...pinQuery(raw) }),
    handler: async ({ services, input: { peer, ...query }, signal }) => pinningOf(services).list(peer, { status: ['queued', 'pinning', 'pinned', 'failed'], limit: 100, ...query }, { signal })
  }),
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
