export { createInbox } from './inbox.ts'
export type {
  Inbox, InboxComponents, InboxInit, InboxMessage, InboxMessageInfo, InboxPage, InboxUsage,
  DeliverOptions, DeliveryReceipt, DeliveredEvent, DeliveredListener, ListOptions
} from './inbox.ts'
export {
  ENVELOPE_DOMAIN, sealMessage, openMessage, verifyEnvelope, validateEnvelope,
  encodeEnvelope, decodeEnvelope, envelopeToJSON, envelopeFromJSON
} from './envelope.ts'
export type { Envelope, EnvelopeJSON, OpenedMessage, Recipient, SealOptions } from './envelope.ts'
export type { RateLimit } from '../util/rate-limiter.ts'
