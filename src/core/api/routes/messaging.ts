/**
 * Routes of the inbox (store-and-forward of signed, encrypted envelopes: anyone
 * delivers, the recipient lists, fetches and acknowledges) and of the directory (a
 * registered account publishes its signed contact; anyone searches). Envelopes and
 * contacts travel in their JSON forms (binary fields base64).
 */
import { BadRequestError } from '../../errors.ts'
import { contactFromJSON, contactToJSON } from '../../directory/index.ts'
import { decodeEnvelope, encodeEnvelope, envelopeFromJSON, envelopeToJSON } from '../../inbox/index.ts'
import { defineRoute } from '../route.ts'
import { optionalInteger, optionalString, requiredString } from '../validate.ts'
import type { Directory, SearchPage } from '../../directory/index.ts'
import type { Inbox, InboxMessage } from '../../inbox/index.ts'
import type { Route } from '../route.ts'

export interface MessagingRouteServices {
  inbox: Inbox
  directory: Directory
}

/** An envelope's JSON is about 4/3 of its bytes; the inbox's own limit (64 KiB) applies after. */
export const MAX_ENVELOPE_BODY_BYTES = 128 * 1024

type S = MessagingRouteServices
type Raw = Record<string, unknown>

function optionalLimit (raw: Raw): number | undefined {
  return optionalInteger(raw, 'limit', 1) ?? undefined
}

function idList (raw: Raw): string[] {
  const ids = raw.ids
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 1000 || !ids.every(id => typeof id === 'string' && id.length <= 128)) {
    throw new BadRequestError('ids must be a list of 1 to 1000 message ids', 'INPUT_INVALID')
  }
  return ids
}

/** A message as both doors send it: the envelope in its JSON form. */
export function messageJSON (message: InboxMessage): Omit<InboxMessage, 'envelope'> & { envelope: ReturnType<typeof envelopeToJSON> } {
  return { ...message, envelope: envelopeToJSON(decodeEnvelope(message.envelope)) }
}

function searchPageJSON (page: SearchPage): { contacts: Array<ReturnType<typeof contactToJSON>>, cursor?: string } {
  return { ...page, contacts: page.contacts.map(contactToJSON) }
}

export const messagingRoutes: Array<Route<S>> = [
  defineRoute({
    op: 'inbox.deliver',
    method: 'POST',
    path: '/api/v0/inbox/messages',
    auth: 'none',
    status: 201,
    maxBodyBytes: MAX_ENVELOPE_BODY_BYTES,
    summary: 'deliver a signed, encrypted envelope for an account registered here (anyone may)',
    input: raw => ({ envelope: encodeEnvelope(envelopeFromJSON(raw.envelope)) }),
    handler: async ({ services, input, remote, signal }) => services.inbox.deliver(input.envelope, { remotePeer: remote, signal })
  }),
  defineRoute({
    op: 'inbox.list',
    method: 'GET',
    path: '/api/v0/inbox/messages',
    auth: 'access',
    summary: 'waiting messages, oldest first, paged with `after`',
    input: raw => ({ after: optionalString(raw, 'after', 128), limit: optionalLimit(raw) }),
    handler: async ({ services, account, input, signal }) => services.inbox.list(account, { ...input, signal })
  }),
  defineRoute({
    op: 'inbox.fetch',
    method: 'GET',
    path: '/api/v0/inbox/messages/:id',
    auth: 'access',
    summary: 'one waiting message with its envelope',
    input: raw => ({ id: requiredString(raw, 'id', 128) }),
    handler: async ({ services, account, input, signal }) => messageJSON(await services.inbox.fetch(account, input.id, { signal }))
  }),
  defineRoute({
    op: 'inbox.ack',
    method: 'POST',
    path: '/api/v0/inbox/ack',
    auth: 'access',
    summary: 'acknowledge (delete) messages; nothing is deleted if any id is not yours',
    input: raw => ({ ids: idList(raw) }),
    handler: async ({ services, account, input, signal }) => { await services.inbox.ack(account, input.ids, { signal }) }
  }),
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
