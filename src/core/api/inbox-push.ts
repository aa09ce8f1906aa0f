/**
 * Pushes new inbox messages to recipients connected over libp2p: protocol
 * `/cafe/inbox/1.0.0`. The client opens a stream and sends `{ auth }` (its access
 * JWT); the cafe answers `{ ok: true, output: { subscribed: true } }` and then writes one
 * frame `{ ok: true, output: message }` per new message for that account, until the
 * stream closes or the access token expires (the client subscribes again with a fresh
 * one). Messages still wait in the inbox until acknowledged: a push is a notice, not a
 * hand-over, so nothing is lost when a push fails, and a subscriber that stops reading
 * is dropped rather than buffered for.
 */
import { MAX_MESSAGE_BYTES, decodeJson, encodeFrame } from './protocol.ts'
import { answer, callerOf, errorFrame, finish } from './libp2p.ts'
import { messageJSON } from './routes/messaging.ts'
import { frameStream, streamScope } from './stream.ts'
import type { ProtocolHost } from './libp2p.ts'
import type { AccountService } from '../accounts/accounts.ts'
import type { CallerLimiter } from '../util/rate-limiter.ts'
import type { Inbox } from '../inbox/index.ts'
import type { AccountId, ComponentLogger } from '../types.ts'
import type { Connection, Logger, Stream } from '@libp2p/interface'

export const INBOX_PUSH_PROTOCOL = '/cafe/inbox/1.0.0'

export interface InboxPushComponents {
  accounts: AccountService
  inbox: Inbox
  /** new subscriptions per remote peer and per remote address */
  limiter: CallerLimiter
  logger: ComponentLogger
}

export interface InboxPushInit {
  /** time to send `{ auth }` and be answered; default 10 s */
  handshakeTimeoutMs?: number
  /** bytes of pushes a subscriber may leave unsent (it does not read) before it is dropped; default 8 MiB */
  maxPendingBytes?: number
}

type Frames = ReturnType<typeof frameStream>

interface Subscription {
  stream: Stream
  frames: Frames
  /** aborts when the stream closes or the token expires */
  signal: AbortSignal
  /** bytes of pushes not yet handed to the stream */
  pendingBytes: number
}

class Subscribers {
  private readonly byAccount = new Map<AccountId, Set<Subscription>>()

  add (account: AccountId, subscription: Subscription): () => void {
    const set = this.byAccount.get(account) ?? new Set()
    set.add(subscription)
    this.byAccount.set(account, set)
    return () => {
      set.delete(subscription)
      if (set.size === 0 && this.byAccount.get(account) === set) this.byAccount.delete(account)
    }
  }

  of (account: AccountId): Subscription[] {
    return [...(this.byAccount.get(account) ?? [])]
  }

  all (): Subscription[] {
    return [...this.byAccount.values()].flatMap(set => [...set])
  }
}

async function subscribe (components: InboxPushComponents, subscribers: Subscribers, stream: Stream, connection: Connection, init: InboxPushInit, log: Logger): Promise<void> {
  const frames = frameStream(stream, MAX_MESSAGE_BYTES)
  const caller = callerOf(connection)
  const handshake = streamScope(stream, init.handshakeTimeoutMs ?? 10_000)
  let account: AccountId
  let expiresAt: number
  try {
    const { signal } = handshake
    try {
      components.limiter.take(caller)
      const request = decodeJson((await frames.read({ signal })).subarray()) as { auth?: unknown } | undefined
      const session = await components.accounts.authenticate(typeof request?.auth === 'string' ? request.auth : undefined, { signal, caller })
      account = session.account
      expiresAt = session.expiresAt
      await frames.write(encodeFrame({ ok: true, output: { subscribed: true, expiresAt } }), { signal })
    } catch (err) {
      await answer(stream, frames, errorFrame(signal.aborted ? signal.reason : err))
      return
    }
  } finally {
    handshake.done()
  }

  // the subscription lives until the stream closes or the token expires (setTimeout holds at most ~24 days)
  const lifetime = streamScope(stream, Math.min(2 ** 31 - 1, Math.max(0, expiresAt - Date.now())))
  const subscription: Subscription = { stream, frames, signal: lifetime.signal, pendingBytes: 0 }
  const unsubscribe = subscribers.add(account, subscription)
  const end = (): void => {
    unsubscribe()
    // a closed stream stays closed; an expired one is closed here so the client subscribes again
    void finish(stream)
    log('subscription of %s ended', account)
  }
  if (lifetime.signal.aborted) end()
  else lifetime.signal.addEventListener('abort', end, { once: true })
}

/** Writes one push to a subscriber, dropping a subscriber that lets pushes pile up unread. */
function push (subscription: Subscription, frame: Uint8Array, maxPendingBytes: number, log: Logger): void {
  if (subscription.signal.aborted) return
  if (subscription.pendingBytes + frame.byteLength > maxPendingBytes) {
    log('dropping a subscriber with %d bytes of pushes unsent', subscription.pendingBytes)
    subscription.stream.abort(new Error('the subscriber does not read its pushes'))
    return
  }
  subscription.pendingBytes += frame.byteLength
  subscription.frames.write(frame, { signal: subscription.signal })
    .catch(err => { log('push failed: %e', err) })
    .finally(() => { subscription.pendingBytes -= frame.byteLength })
}

/** Serves subscriptions and writes each delivered message to its recipient's open streams. */
export async function registerInboxPush (node: ProtocolHost, components: InboxPushComponents, init: InboxPushInit = {}): Promise<() => Promise<void>> {
  const log = components.logger.forComponent('cafe:api:inbox-push')
  const subscribers = new Subscribers()
  const maxPendingBytes = init.maxPendingBytes ?? 8 * 1024 * 1024
  const stopListening = components.inbox.onDelivered(({ account, message }) => {
    const targets = subscribers.of(account)
    if (targets.length === 0) return
    const frame = encodeFrame({ ok: true, output: messageJSON(message) })
    for (const subscription of targets) push(subscription, frame, maxPendingBytes, log)
  })
  await node.handle(INBOX_PUSH_PROTOCOL, (stream, connection) => {
    subscribe(components, subscribers, stream, connection, init, log).catch(err => { log.error('subscription failed: %e', err) })
  }, { maxInboundStreams: 8, runOnLimitedConnection: true })
  return async () => {
    stopListening()
    await node.unhandle(INBOX_PUSH_PROTOCOL)
    for (const subscription of subscribers.all()) subscription.stream.abort(new Error('the cafe stopped serving inbox pushes'))
  }
}
