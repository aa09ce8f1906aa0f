/**
 * Routes of the names service, on both doors: a registered client publishes signed IPNS
 * records (base64 in JSON) and registers further keys; anyone resolves a hosted name or asks
 * whether the cafe provides a CID. The Delegated Routing V1 HTTP API (routing-http.ts) is
 * the same routes in that API's own wire format.
 */
import { defineRoute } from '../api/route.ts'
import { noInput, requiredString } from '../api/validate.ts'
import { parseCid } from '../util/cid.ts'
import { fromBase64, toBase64 } from '../util/canonical.ts'
import { MAX_RECORD_BYTES } from './record.ts'
import type { HostedName, NameInfo, Names } from './names.ts'
import type { Providers } from './providers.ts'
import type { Route } from '../api/route.ts'

export interface NamesRouteServices {
  names: Names
  providers: Providers
}

type S = NamesRouteServices

const MAX_PUBLISH_BODY_BYTES = 4 * MAX_RECORD_BYTES

/** A hosted record over JSON: its facts and the record's bytes in base64. */
export interface ResolvedNameJSON extends NameInfo {
  record: string
}

function resolvedJSON ({ record, ...info }: HostedName): ResolvedNameJSON {
  return { ...info, record: toBase64(record) }
}

export const namesRoutes: Array<Route<S>> = [
  defineRoute({
    op: 'names.publish',
    method: 'PUT',
    path: '/api/v0/names/:name',
    auth: 'access',
    // room past the record limit (in base64), so a record somewhat too large is named as such
    maxBodyBytes: MAX_PUBLISH_BODY_BYTES,
    summary: 'host a signed IPNS record for the account\'s key or a key it registered; a higher sequence replaces the held one',
    input: raw => ({
      name: requiredString(raw, 'name', 256),
      record: fromBase64(requiredString(raw, 'record', MAX_PUBLISH_BODY_BYTES), 'RECORD_INVALID', 'record')
    }),
    handler: async ({ services, account, input, signal }) => services.names.publish(account, input.name, input.record, { signal })
  }),
  defineRoute({
    op: 'names.resolve',
    method: 'GET',
    path: '/api/v0/names/:name',
    auth: 'none',
    summary: 'the record this cafe hosts for a name, with its value, sequence and expiry',
    input: raw => ({ name: requiredString(raw, 'name', 256) }),
    handler: async ({ services, input, signal }) => resolvedJSON(await services.names.resolve(input.name, { signal }))
  }),
  defineRoute({
    op: 'names.list',
    method: 'GET',
    path: '/api/v0/names',
    auth: 'access',
    summary: 'the names this account has hosted here',
    input: noInput,
    handler: async ({ services, account, signal }) => ({ names: await services.names.list(account, { signal }) })
  }),
  defineRoute({
    op: 'names.addKey',
    method: 'POST',
    path: '/api/v0/names/keys',
    auth: 'access',
    summary: 'let the account publish for another key: its public key and its signature over the account\'s key proof message',
    input: raw => ({
      publicKey: fromBase64(requiredString(raw, 'publicKey', 2048), 'KEY_INVALID', 'publicKey'),
      signature: fromBase64(requiredString(raw, 'signature', 2048), 'SIGNATURE_INVALID', 'signature')
    }),
    handler: async ({ services, account, input, signal }) => services.names.addKey(account, input.publicKey, input.signature, { signal })
  }),
  defineRoute({
    op: 'routing.providers',
    method: 'GET',
    path: '/api/v0/routing/providers/:cid',
    auth: 'none',
    summary: 'the cafe\'s own peer record when it stores the CID (Delegated Routing\'s Peer schema), else none',
    input: raw => ({ cid: parseCid(requiredString(raw, 'cid', 256)) }),
    handler: async ({ services, input, signal }) => ({ Providers: await services.providers.find(input.cid, { signal }) })
  }),
  defineRoute({
    op: 'routing.peers',
    method: 'GET',
    path: '/api/v0/routing/peers/:peer',
    auth: 'none',
    summary: 'the cafe\'s own peer record when asked for its peer id, else none',
    input: raw => ({ peer: requiredString(raw, 'peer', 256) }),
    handler: async ({ services, input }) => ({ Peers: services.providers.peer(input.peer) })
  }),
  defineRoute({
    op: 'clients.names',
    method: 'GET',
    path: '/api/v0/clients/:peer/names',
    auth: 'owner',
    summary: 'a client\'s hosted names with their sequence and expiry, for the console',
    input: raw => ({ peer: requiredString(raw, 'peer', 128) }),
    handler: async ({ services, input, signal }) => ({ names: await services.names.list(input.peer, { signal }) })
  })
]
