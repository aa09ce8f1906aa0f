/**
 * Pushes new inbox messages to recipients connected over libp2p: protocol
 * `/cafe/inbox/1.0.0`. The client opens a stream and sends `{ auth }` (its access
 * JWT); the cafe answers `{ ok: true, output: { subscribed: true } }` and then writes one
 * frame `{ ok: true, output: message }` per new message for that account, until the
 * stream closes or the access token expires (the client subscribes again with a fresh
 * one). Messages still wait in the inbox until acknowledged: a push is a notice, not a
 * hand-over, so nothing is lost when a push fails.
 */
import { MAX_MESSAGE_BYTES, decodeJson, encodeFrame } from './protocol.ts'
import { errorFrame } from './libp2p.ts'
import { messageJSON } from './routes/messaging.ts'
import { frameStream } from './stream.ts'
import type { ProtocolHost } from './libp2p.ts'
import type { AccountService } from '../accounts/accounts.ts'
import type { RateLimiter } from '../util/rate-limiter.ts'
import type { Inbox } from '../inbox/index.ts'
import type { AccountId, ComponentLogger } from '../types.ts'
import type { Connection, Logger, Stream } from '@libp2p/interface'

export const INBOX_PUSH_PROTOCOL = '/cafe/inbox/1.0.0'

export interface InboxPushComponents {
  accounts: AccountService
  inbox: Inbox
  limiter: RateLimiter
  logger: ComponentLogger
}

type Frames = ReturnType<typeof frameStream>

class Subscribers {
  private readonly byAccount = new Map<AccountId, Set<Frames>>()

  add (account: AccountId, frames: Frames): () => void {
    const set = this.byAccount.get(account) ?? new Set()
    set.add(frames)
    this.byAccount.set(account, set)
    return () => {
      set.delete(frames)
      if (set.size === 0) this.byAccount.delete(account)
    }
  }

  of (account: AccountId): Frames[] {
    return [...(this.byAccount.get(account) ?? [])]
  }
}

async function subscribe (components: InboxPushComponents, subscribers: Subscribers, stream: Stream, connection: Connection, log: Logger): Promise<void> {
  const frames = frameStream(stream, MAX_MESSAGE_BYTES)
  let expiresAt: number
  let account: AccountId
  try {
    components.limiter.take(connection.remotePeer.toString())
    const request = decodeJson((await frames.read({ signal: AbortSignal.timeout(10_000) })).subarray()) as { auth?: unknown } | undefined
    const session = await components.accounts.authenticate(typeof request?.auth === 'string' ? request.auth : undefined)
    account = session.account
    expiresAt = session.expiresAt
    await frames.write(encodeFrame({ ok: true, output: { subscribed: true, expiresAt } }))
  } catch (err) {
    await frames.write(encodeFrame(errorFrame(err))).catch(() => {})
    await stream.close().catch(() => {})
    return
  }
  const unsubscribe = subscribers.add(account, frames)
  const timer = setTimeout(() => { void stream.close().catch(() => {}) }, Math.max(0, expiresAt - Date.now()))
  stream.addEventListener('close', () => {
    clearTimeout(timer)
    unsubscribe()
    log('subscription of %s ended', account)
  }, { once: true })
}

/** Serves subscriptions and writes each delivered message to its recipient's open streams. */
export async function registerInboxPush (node: ProtocolHost, components: InboxPushComponents): Promise<() => Promise<void>> {
  const log = components.logger.forComponent('cafe:api:inbox-push')
  const subscribers = new Subscribers()
  const stopListening = components.inbox.onDelivered(({ account, message }) => {
    for (const frames of subscribers.of(account)) {
      frames.write(encodeFrame({ ok: true, output: messageJSON(message) })).catch(err => { log('push to %s failed: %e', account, err) })
    }
  })
  await node.handle(INBOX_PUSH_PROTOCOL, (stream, connection) => {
    subscribe(components, subscribers, stream, connection, log).catch(err => { log.error('subscription failed: %e', err) })
  }, { maxInboundStreams: 8, runOnLimitedConnection: true })
  return async () => {
    stopListening()
    await node.unhandle(INBOX_PUSH_PROTOCOL)
  }
}
