/**
 * Routes of the account model: sessions, the account's own record, and the
 * owner's tokens, clients and quotas.
 */
import { defineRoute } from '../api/route.ts'
import { validateQuota } from './accounts.ts'
import { noInput, optionalInteger, optionalString, requiredString } from '../api/validate.ts'
import type { AccountServices } from './index.ts'
import type { Route } from '../api/route.ts'

export type AccountRouteServices = AccountServices

type S = AccountRouteServices

export const accountRoutes: Array<Route<S>> = [
  defineRoute({
    op: 'sessions.challenge',
    method: 'POST',
    path: '/api/v0/sessions/challenge',
    auth: 'none',
    summary: 'a nonce to sign, valid for about two minutes',
    input: noInput,
    handler: async ({ services, signal }) => services.accounts.challenge({ signal })
  }),
  defineRoute({
    op: 'sessions.create',
    method: 'POST',
    path: '/api/v0/sessions',
    auth: 'none',
    summary: 'register (with a token) or sign in with a signed challenge',
    input: raw => ({
      account: requiredString(raw, 'account', 128),
      nonce: requiredString(raw, 'nonce', 128),
      signature: requiredString(raw, 'signature', 256),
      token: optionalString(raw, 'token', 256)
    }),
    handler: async ({ services, input, remote, remoteAddress, signal }) => services.accounts.createSession(input, { remote, remoteAddress, signal })
  }),
  defineRoute({
    op: 'sessions.refresh',
    method: 'POST',
    path: '/api/v0/sessions/refresh',
    auth: 'refresh',
    summary: 'a new access token and a rotated refresh token',
    input: noInput,
    handler: async ({ services, credential, signal }) => services.accounts.refresh(credential, { signal })
  }),
  defineRoute({
    op: 'sessions.deregister',
    method: 'DELETE',
    path: '/api/v0/sessions',
    auth: 'access',
    summary: 'end the registration and delete everything stored for the account',
    input: noInput,
    handler: async ({ services, account, signal }) => { await services.accounts.remove(account, { signal }) }
  }),
  defineRoute({
    op: 'account.get',
    method: 'GET',
    path: '/api/v0/account',
    auth: 'access',
    summary: 'the calling account: registration, usage and quota',
    input: noInput,
    handler: async ({ services, account, signal }) => services.accounts.whoami(account, { signal })
  }),
  defineRoute({
    op: 'tokens.list',
    method: 'GET',
    path: '/api/v0/tokens',
    auth: 'owner',
    summary: 'access tokens (without their secrets)',
    input: noInput,
    handler: async ({ services, signal }) => services.tokens.list({ signal })
  }),
  defineRoute({
    op: 'tokens.create',
    method: 'POST',
    path: '/api/v0/tokens',
    auth: 'owner',
    status: 201,
    summary: 'a new access token; its secret is in this answer only',
    input: raw => ({
      label: optionalString(raw, 'label', 200),
      expiresAt: optionalInteger(raw, 'expiresAt'),
      uses: optionalInteger(raw, 'uses', 1)
    }),
    handler: async ({ services, input, signal }) => services.tokens.create({ ...input, signal })
  }),
  defineRoute({
    op: 'tokens.revoke',
    method: 'DELETE',
    path: '/api/v0/tokens/:id',
    auth: 'owner',
    summary: 'revoke an access token',
    input: raw => ({ id: requiredString(raw, 'id', 64) }),
    handler: async ({ services, input, signal }) => { await services.tokens.revoke(input.id, { signal }) }
  }),
  defineRoute({
    op: 'clients.list',
    method: 'GET',
    path: '/api/v0/clients',
    auth: 'owner',
    summary: 'registered accounts with usage and quota',
    input: noInput,
    handler: async ({ services, signal }) => services.accounts.listClients({ signal })
  }),
  defineRoute({
    op: 'clients.remove',
    method: 'DELETE',
    path: '/api/v0/clients/:peer',
    auth: 'owner',
    summary: 'remove a client and everything stored for it',
    input: raw => ({ peer: requiredString(raw, 'peer', 128) }),
    handler: async ({ services, input, signal }) => { await services.accounts.remove(input.peer, { signal }) }
  }),
  defineRoute({
    op: 'clients.setQuota',
    method: 'PUT',
    path: '/api/v0/clients/:peer/quota',
    auth: 'owner',
    summary: 'give a client its own quota',
    input: raw => ({ peer: requiredString(raw, 'peer', 128), quota: validateQuota(raw) }),
    handler: async ({ services, input, signal }) => services.accounts.setQuota(input.peer, input.quota, { signal })
  }),
  defineRoute({
    op: 'clients.resetQuota',
    method: 'DELETE',
    path: '/api/v0/clients/:peer/quota',
    auth: 'owner',
    summary: 'return a client to the default quota',
    input: raw => ({ peer: requiredString(raw, 'peer', 128) }),
    handler: async ({ services, input, signal }) => services.accounts.setQuota(input.peer, null, { signal })
  }),
  defineRoute({
    op: 'quota.get',
    method: 'GET',
    path: '/api/v0/quota',
    auth: 'owner',
    summary: 'the default quota',
    input: noInput,
    handler: async ({ services, signal }) => services.accounts.defaultQuota({ signal })
  }),
  defineRoute({
    op: 'quota.set',
    method: 'PUT',
    path: '/api/v0/quota',
    auth: 'owner',
    summary: 'set the default quota',
    input: validateQuota,
    handler: async ({ services, input, signal }) => services.accounts.setDefaultQuota(input, { signal })
  })
]
