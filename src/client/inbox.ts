/**
 * Messages for an app: deliver an encrypted, signed message to a recipient's cafe
 * inboxes (no registration needed), and read, verify, decrypt and acknowledge the
 * account's own waiting messages, or have them pushed while connected over libp2p.
 */
import { envelopeFromJSON, envelopeToJSON, openMessage, sealMessage, type EnvelopeJSON, type OpenedMessage, type Recipient } from '../core/inbox/index.ts'
import type { CafeClient } from './cafe-client.ts'
import type { CafeTransport } from './transport.ts'
import type { DeliveryReceipt, InboxMessageInfo, InboxPage } from '../core/inbox/index.ts'
import type { AbortOptions } from '../core/types.ts'
import type { PrivateKey } from '@libp2p/interface'

export interface ReceivedMessage extends OpenedMessage {
  /** the cafe's id for it: pass to `ack` */
  id: string
  receivedAt: number
}

export interface DeliverOptions extends AbortOptions {
  /** the recipient's cafes (transportForInbox turns a contact's inboxes into these) */
  cafes: CafeTransport[]
}

/** Seals `plaintext` for `recipient` and delivers it to the first of its cafes that accepts it. */
export async function deliverMessage (senderKey: PrivateKey, recipient: Recipient, plaintext: Uint8Array, options: DeliverOptions): Promise<DeliveryReceipt> {
  const envelope = envelopeToJSON(await sealMessage(senderKey, recipient, plaintext))
  let lastError: unknown = new Error('no cafe to deliver to')
  for (const cafe of options.cafes) {
    try {
      return await cafe.request('inbox.deliver', { envelope }, undefined, options) as DeliveryReceipt
    } catch (err) {
      lastError = err
      // the message itself is wrong: another cafe will say the same
      if ((err as { status?: number }).status === 400 || (err as { status?: number }).status === 413) throw err
    }
  }
  throw lastError
}

type MessageJSON = InboxMessageInfo & { envelope: EnvelopeJSON }

export class CafeInbox {
  private readonly client: CafeClient
  private readonly accountKey: PrivateKey

  constructor (client: CafeClient, accountKey: PrivateKey) {
    this.client = client
    this.accountKey = accountKey
  }

  async list (options: { after?: string, limit?: number } & AbortOptions = {}): Promise<InboxPage> {
    const { signal, ...input } = options
    return this.client.call<InboxPage>('inbox.list', input, { signal })
  }

  /** Fetches a message, checks the sender's signature and decrypts it. */
  async read (id: string, options?: AbortOptions): Promise<ReceivedMessage> {
    return this.open(await this.client.call<MessageJSON>('inbox.fetch', { id }, options), options)
  }

  /** Every waiting message, oldest first, opened. */
  async readAll (options?: AbortOptions): Promise<ReceivedMessage[]> {
    const messages: ReceivedMessage[] = []
    let after: string | undefined
    do {
      const page = await this.list({ after, signal: options?.signal })
      for (const info of page.messages) messages.push(await this.read(info.id, options))
      after = page.cursor
    } while (after != null)
    return messages
  }

  async ack (ids: string[], options?: AbortOptions): Promise<void> {
    await this.client.call('inbox.ack', { ids }, options)
  }

  /**
   * Calls `listener` with each new message as the cafe pushes it (libp2p transports
   * only), subscribing again when the session's access token runs out, until `signal`
   * aborts. Messages stay in the inbox until acknowledged.
   */
  async subscribe (listener: (message: ReceivedMessage) => void, options: AbortOptions & { retryMs?: number } = {}): Promise<void> {
    const aborted = (): boolean => options.signal?.aborted === true
    while (!aborted()) {
      try {
        await this.client.subscribeInbox(async (message: MessageJSON) => { listener(await this.open(message, options)) }, options)
      } catch (err) {
        if (aborted()) return
        if ((err as { status?: number }).status === 501) throw err
        await new Promise(resolve => setTimeout(resolve, options.retryMs ?? 1_000))
      }
    }
  }

  private async open (message: MessageJSON, options?: AbortOptions): Promise<ReceivedMessage> {
    const opened = await openMessage(this.accountKey, envelopeFromJSON(message.envelope), options)
    return { ...opened, id: message.id, receivedAt: message.receivedAt }
  }
}
