/**
 * Routes of the directory: a registered account publishes its signed contact; anyone
 * searches. Contacts travel in their JSON form (binary fields base64).
 */
import { contactFromJSON, contactToJSON } from './contact.ts'
import { defineRoute } from '../api/route.ts'
import { optionalInteger, optionalString, requiredString } from '../api/validate.ts'
import type { Directory, SearchPage } from './directory.ts'
import type { Route } from '../api/route.ts'

export interface DirectoryRouteServices {
  directory: Directory
}

type S = DirectoryRouteServices
type Raw = Record<string, unknown>

function optionalLimit (raw: Raw): number | undefined {
  return optionalInteger(raw, 'limit', 1) ?? undefined
}

function searchPageJSON (page: SearchPage): { contacts: Array<ReturnType<typeof contactToJSON>>, cursor?: string } {
  return { ...page, contacts: page.contacts.map(contactToJSON) }
}

export const directoryRoutes: Array<Route<S>> = [
  defineRoute({
    op: 'directory.publish',
    method: 'PUT',
    path: '/api/v0/directory/contact',
    auth: 'access',
    maxBodyBytes: 16 * 1024,
    summary: 'publish the account\'s signed contact; a newer seq replaces the old one',
    input: raw => ({ contact: contactFromJSON(raw.contact) }),
    handler: async ({ services, account, input, signal }) => { await services.directory.publish(account, input.contact, { signal }) }
  }),
  defineRoute({
    op: 'directory.search',
    method: 'GET',
    path: '/api/v0/directory/search',
    auth: 'none',
    summary: 'signed contacts by username or display name (prefix, then substring), or by exact peer id',
    input: raw => ({
      q: optionalString(raw, 'q', 64),
      peerId: optionalString(raw, 'peerId', 128),
      limit: optionalLimit(raw),
      cursor: optionalString(raw, 'cursor', 256)
    }),
    handler: async ({ services, input, remote, signal }) => searchPageJSON(await services.directory.search(input, { remotePeer: remote, signal }))
  }),
  defineRoute({
    op: 'directory.get',
    method: 'GET',
    path: '/api/v0/directory/contacts/:peer',
    auth: 'none',
    summary: 'one account\'s signed contact',
    input: raw => ({ peer: requiredString(raw, 'peer', 128) }),
    handler: async ({ services, input, signal }) => contactToJSON(await services.directory.get(input.peer, { signal }))
  })
]
