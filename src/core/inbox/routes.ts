/**
 * Routes of the inbox: store-and-forward of signed, encrypted envelopes (anyone
 * delivers, the recipient lists, fetches and acknowledges; envelopes travel in their
 * JSON form, binary fields base64), and the push subscription as a stream route.
 */
import { BadRequestError } from '../errors.ts'
import { decodeEnvelope, encodeEnvelope, envelopeFromJSON, envelopeToJSON } from './envelope.ts'
import { KEEP_OPEN, defineRoute, defineStreamRoute } from '../api/route.ts'
import { optionalInteger, optionalString, requiredString } from '../api/validate.ts'
import { noInput } from '../api/validate.ts'
import type { InboxPush } from './push.ts'
import type { Inbox, InboxMessage } from './inbox.ts'
import type { Route, StreamRoute } from '../api/route.ts'

export interface InboxRouteServices {
  inbox: Inbox
  inboxPush: InboxPush
}

export const INBOX_PUSH_PROTOCOL = '/cafe/inbox/1.0.0'

/** An envelope's JSON is about 4/3 of its bytes; the inbox's own limit (64 KiB) applies after. */
export const MAX_ENVELOPE_BODY_BYTES = 128 * 1024

type S = InboxRouteServices
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

export const inboxRoutes: Array<Route<S>> = [
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
  })
]

/**
 * `/cafe/inbox/1.0.0`: the first frame `{ auth }` subscribes the account; the answer
 * `{ subscribed, expiresAt }`, then each message delivered to it as a response frame,
 * until the stream closes or the token expires (see push.ts).
 */
export const inboxSubscription: StreamRoute<S, Record<string, never>> = defineStreamRoute({
  op: 'inbox.subscribe',
  protocol: INBOX_PUSH_PROTOCOL,
  auth: 'access',
  summary: 'pushes of messages as they are delivered, until the stream closes or the token expires',
  rateLimit: 'streams',
  maxInboundStreams: 8,
  timeoutMs: 10_000,
  input: noInput,
  handler: async ({ services, account, expiresAt, link, signal }) => {
    if (link == null) throw new BadRequestError('subscriptions are libp2p streams', 'INPUT_INVALID')
    await services.inboxPush.subscribe(account, expiresAt, link, { signal })
    return KEEP_OPEN
  }
})
