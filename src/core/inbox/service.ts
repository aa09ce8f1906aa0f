/**
 * The inbox service: store-and-forward messages, their sweep, and pushes to
 * subscribers over libp2p.
 */
import { defineService, integerKey, rateKey } from '../service.ts'
import { createInbox, type InboxInit } from './inbox.ts'
import { createInboxPush } from './push.ts'
import { inboxRoutes, inboxSubscription } from './routes.ts'

export const inboxService = defineService<InboxInit>({
  maxMessageBytes: integerKey('largest envelope accepted, in bytes (default 65536)', 1024),
  ttlMs: integerKey('how long a message waits before it is swept (default 30 days)', 60_000),
  perSenderRate: rateKey('deliveries per sender and per remote (default { perMinute: 30, burst: 10 })'),
  maxClockSkewMs: integerKey('how far ahead of the cafe\'s clock an envelope\'s sentAt may be (default 1 day)'),
  maxListLimit: integerKey('largest page a list returns (default 100)', 1),
  sweepIntervalMs: integerKey('how often expired messages are swept; 0 turns it off (default 10 minutes)')
}, init => components => {
  const { datastore, logger, clock, accounts } = components
  const inbox = createInbox({ datastore, logger, clock, accounts }, init)
  const inboxPush = createInboxPush({ inbox, logger })
  return {
    provides: { inbox, inboxPush },
    routes: inboxRoutes,
    streams: [inboxSubscription],
    dataOwner: inbox,
    start: () => { inbox.start(); inboxPush.start() },
    stop: () => { inboxPush.stop(); inbox.stop() },
    unhandle: () => { inboxPush.stop() }
  }
})
