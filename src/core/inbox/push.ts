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
import { encodeFrame } from '../api/protocol.ts'
import { finish } from '../api/libp2p.ts'
import { streamScope } from '../api/stream.ts'
import { messageJSON } from './routes.ts'
import type { Inbox } from './inbox.ts'
import type { AbortOptions, AccountId, ComponentLogger } from '../types.ts'
import type { Logger, Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'

export interface InboxPushComponents {
  inbox: Inbox
  logger: ComponentLogger
}

export interface InboxPushInit {
  /** bytes of pushes a subscriber may leave unsent (it does not read) before it is dropped; default 8 MiB */
  maxPendingBytes?: number
}

type Frames = LengthPrefixedStream<any>

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

/** The open subscriptions: the inbox stream route adds them, each delivered message goes to its recipient's. */
export interface InboxPush {
  /** answers the handshake, then keeps the stream until it closes or `expiresAt` */
  subscribe (account: AccountId, expiresAt: number, link: { stream: Stream, frames: Frames }, options?: AbortOptions): Promise<void>
  /** starts listening to deliveries */
  start (): void
  /** stops listening and ends every subscription */
  stop (): void
}

class DefaultInboxPush implements InboxPush {
  private readonly subscribers = new Subscribers()
  private readonly maxPendingBytes: number
  private readonly log: Logger
  private stopListening?: () => void

  constructor (private readonly components: InboxPushComponents, init: InboxPushInit = {}) {
    this.maxPendingBytes = init.maxPendingBytes ?? 8 * 1024 * 1024
    this.log = components.logger.forComponent('cafe:inbox:push')
  }

  start (): void {
    this.stopListening ??= this.components.inbox.onDelivered(({ account, message }) => {
      const targets = this.subscribers.of(account)
      if (targets.length === 0) return
      const frame = encodeFrame({ ok: true, output: messageJSON(message) })
      for (const subscription of targets) push(subscription, frame, this.maxPendingBytes, this.log)
    })
  }

  stop (): void {
    this.stopListening?.()
    this.stopListening = undefined
    for (const subscription of this.subscribers.all()) subscription.stream.abort(new Error('the cafe stopped serving inbox pushes'))
  }

  async subscribe (account: AccountId, expiresAt: number, { stream, frames }: { stream: Stream, frames: Frames }, options: AbortOptions = {}): Promise<void> {
    await frames.write(encodeFrame({ ok: true, output: { subscribed: true, expiresAt } }), options)
    // the subscription lives until the stream closes or the token expires (setTimeout holds at most ~24 days)
    const lifetime = streamScope(stream, Math.min(2 ** 31 - 1, Math.max(0, expiresAt - Date.now())))
    const subscription: Subscription = { stream, frames, signal: lifetime.signal, pendingBytes: 0 }
    const unsubscribe = this.subscribers.add(account, subscription)
    const end = (): void => {
      unsubscribe()
      // a closed stream stays closed; an expired one is closed here so the client subscribes again
      void finish(stream)
      this.log('subscription of %s ended', account)
    }
    if (lifetime.signal.aborted) end()
    else lifetime.signal.addEventListener('abort', end, { once: true })
  }
}

export function createInboxPush (components: InboxPushComponents, init?: InboxPushInit): InboxPush {
  return new DefaultInboxPush(components, init)
}
