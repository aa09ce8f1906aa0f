import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MemoryDatastore } from 'datastore-core'
import all from 'it-all'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { beforeEach, describe, expect, it } from 'vitest'
import { decodeEnvelope, encodeEnvelope, openMessage, sealMessage } from '../../../src/core/inbox/envelope.ts'
import { createInbox } from '../../../src/core/inbox/index.ts'
import { hashId } from '../../../src/core/util/canonical.ts'
import { FakeAccounts, manualClock } from './fakes.ts'
import type { DeliveredEvent, Inbox, InboxInit } from '../../../src/core/inbox/index.ts'
import type { PrivateKey } from '@libp2p/interface'

const DAY = 24 * 60 * 60 * 1000
const alice = await generateKeyPair('Ed25519')
const bob = await generateKeyPair('Ed25519')
const carol = await generateKeyPair('Ed25519')
const [aliceId, bobId, carolId] = [alice, bob, carol].map(key => peerIdFromPrivateKey(key).toString())
const generous = { perSenderRate: { perMinute: 6000, burst: 1000 } }

describe('inbox', () => {
  let datastore: MemoryDatastore
  let accounts: FakeAccounts
  let clock: ReturnType<typeof manualClock>
  let inbox: Inbox

  const make = (init: InboxInit = generous): Inbox => createInbox({ datastore, logger: defaultLogger(), clock: clock.now, accounts }, init)
  const letter = async (from: PrivateKey, to: string, text: string, sentAt = clock.now()): Promise<Uint8Array> =>
    encodeEnvelope(await sealMessage(from, to, fromString(text), { sentAt }))

  beforeEach(() => {
    datastore = new MemoryDatastore()
    accounts = new FakeAccounts()
    accounts.register(bobId)
    accounts.register(carolId)
    clock = manualClock()
    inbox = make()
  })

  it('a recipient lists, fetches, opens and acknowledges a message delivered while it was away', async () => {
    const receipt = await inbox.deliver(await letter(alice, bobId, 'hi bob'))
    expect(receipt).toMatchObject({ duplicate: false, receivedAt: clock.now(), expiresAt: clock.now() + 30 * DAY })

    const page = await inbox.list(bobId)
    expect(page.cursor).toBeUndefined()
    expect(page.messages).toEqual([expect.objectContaining({ id: receipt.id, from: aliceId, receivedAt: clock.now() })])

    const message = await inbox.fetch(bobId, receipt.id)
    const opened = await openMessage(bob, decodeEnvelope(message.envelope))
    expect(opened.from).toBe(aliceId)
    expect(toString(opened.plaintext)).toBe('hi bob')
    expect(await inbox.usageOf(bobId)).toEqual({ inboxMessages: 1, inboxBytes: message.size })

    await inbox.ack(bobId, [receipt.id])
    expect((await inbox.list(bobId)).messages).toEqual([])
    await expect(inbox.fetch(bobId, receipt.id)).rejects.toMatchObject({ status: 404 })
    expect(await inbox.usageOf(bobId)).toEqual({ inboxMessages: 0, inboxBytes: 0 })
  })

  it('lists oldest first, in pages that follow a cursor', async () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      ids.push((await inbox.deliver(await letter(alice, bobId, `m${i}`))).id)
      clock.advance(1000)
    }
    const first = await inbox.list(bobId, { limit: 2 })
    const second = await inbox.list(bobId, { limit: 2, after: first.cursor })
    const third = await inbox.list(bobId, { limit: 2, after: second.cursor })
    expect([first, second, third].flatMap(page => page.messages.map(m => m.id))).toEqual(ids)
    expect(third.cursor).toBeUndefined()
    await expect(inbox.list(bobId, { after: '../../etc' })).rejects.toMatchObject({ code: 'CURSOR_INVALID', status: 400 })
    await expect(inbox.list(bobId, { limit: 0 })).rejects.toMatchObject({ status: 400 })
  })

  it('pages stay in order as messages arrive, are acknowledged and expire after the first listing', async () => {
    const ids: string[] = []
    const deliver = async (i: number): Promise<void> => {
      ids.push((await inbox.deliver(await letter(alice, bobId, `m${i}`))).id)
      clock.advance(1000)
    }
    for (let i = 0; i < 4; i++) await deliver(i)
    expect((await inbox.list(bobId, { limit: 2 })).messages.map(m => m.id)).toEqual(ids.slice(0, 2))
    for (let i = 4; i < 7; i++) await deliver(i)
    await inbox.ack(bobId, [ids[1], ids[5]])
    const listed: string[] = []
    let cursor: string | undefined
    do {
      const page = await inbox.list(bobId, { limit: 2, after: cursor })
      listed.push(...page.messages.map(m => m.id))
      cursor = page.cursor
    } while (cursor != null)
    expect(listed).toEqual([ids[0], ids[2], ids[3], ids[4], ids[6]])
    // a page whose window holds only acknowledged or gone messages still finds the next waiting one
    await inbox.ack(bobId, [ids[0], ids[2]])
    expect((await inbox.list(bobId, { limit: 1 })).messages.map(m => m.id)).toEqual([ids[3]])
  })

  it('refuses an oversized message with 413 and stores nothing', async () => {
    inbox = make({ ...generous, maxMessageBytes: 1024 })
    await expect(inbox.deliver(await letter(alice, bobId, 'x'.repeat(2000)))).rejects.toMatchObject({ name: 'PayloadTooLargeError', status: 413, code: 'PAYLOAD_TOO_LARGE' })
    expect(await inbox.usageOf(bobId)).toEqual({ inboxMessages: 0, inboxBytes: 0 })
  })

  it('refuses a message for an account not registered here with 404 RECIPIENT_NOT_FOUND', async () => {
    await expect(inbox.deliver(await letter(bob, aliceId, 'hello?'))).rejects.toMatchObject({ status: 404, code: 'RECIPIENT_NOT_FOUND' })
    expect(await all(datastore.queryKeys({}))).toEqual([])
  })

  it('refuses a forged envelope with 400 SIGNATURE_INVALID and garbage with ENVELOPE_INVALID', async () => {
    const envelope = await sealMessage(alice, bobId, fromString('real'))
    const forged = encodeEnvelope({ ...envelope, from: carolId })
    await expect(inbox.deliver(forged)).rejects.toMatchObject({ status: 400, code: 'SIGNATURE_INVALID' })
    await expect(inbox.deliver(fromString('garbage'))).rejects.toMatchObject({ status: 400, code: 'ENVELOPE_INVALID' })
    expect((await inbox.list(bobId)).messages).toEqual([])
  })

  it('checks every signature, also from a sender it has seen, and refuses a sender that is not a peer id each time', async () => {
    await inbox.deliver(await letter(alice, bobId, 'first, genuine'))
    const envelope = await sealMessage(carol, bobId, fromString('claims to be alice'))
    await expect(inbox.deliver(encodeEnvelope({ ...envelope, from: aliceId }))).rejects.toMatchObject({ status: 400, code: 'SIGNATURE_INVALID' })
    const tampered = await sealMessage(alice, bobId, fromString('genuine, then changed'))
    await expect(inbox.deliver(encodeEnvelope({ ...tampered, sentAt: tampered.sentAt - 1 }))).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' })
    for (let i = 0; i < 2; i++) {
      await expect(inbox.deliver(encodeEnvelope({ ...envelope, from: 'not-a-peer-id' }))).rejects.toMatchObject({ status: 400, code: 'ENVELOPE_INVALID' })
    }
    expect((await inbox.list(bobId)).messages.map(m => m.from)).toEqual([aliceId])
  })

  it('refuses deliveries past the recipient\'s message quota with 413 QUOTA_EXCEEDED', async () => {
    accounts.register(bobId, { inboxMessages: 2 })
    await inbox.deliver(await letter(alice, bobId, 'one'))
    await inbox.deliver(await letter(alice, bobId, 'two'))
    await expect(inbox.deliver(await letter(alice, bobId, 'three'))).rejects.toMatchObject({ status: 413, code: 'QUOTA_EXCEEDED' })
    expect((await inbox.list(bobId)).messages).toHaveLength(2)
    // acknowledging frees the room again
    await inbox.ack(bobId, [(await inbox.list(bobId)).messages[0].id])
    await inbox.deliver(await letter(alice, bobId, 'three'))
  })

  it('refuses deliveries past the recipient\'s byte quota with 413 QUOTA_EXCEEDED', async () => {
    const first = await letter(alice, bobId, 'a'.repeat(400))
    accounts.register(bobId, { inboxBytes: first.byteLength + 100 })
    await inbox.deliver(first)
    await expect(inbox.deliver(await letter(alice, bobId, 'b'.repeat(400)))).rejects.toMatchObject({ status: 413, code: 'QUOTA_EXCEEDED' })
    expect(await inbox.usageOf(bobId)).toEqual({ inboxMessages: 1, inboxBytes: first.byteLength })
  })

  it('a flood from one sender gets 429 while other senders still get through', async () => {
    inbox = make({ perSenderRate: { perMinute: 30, burst: 10 } })
    for (let i = 0; i < 10; i++) await inbox.deliver(await letter(alice, bobId, `spam ${i}`))
    await expect(inbox.deliver(await letter(alice, bobId, 'spam 10'))).rejects.toMatchObject({ name: 'RateLimitedError', status: 429 })
    await inbox.deliver(await letter(carol, bobId, 'not spam'))
    expect((await inbox.list(bobId)).messages).toHaveLength(11)
    clock.advance(2000) // 30 a minute: one token back every two seconds
    await inbox.deliver(await letter(alice, bobId, 'later'))
  })

  it('rate limits a remote peer across the sender ids it uses', async () => {
    inbox = make({ perSenderRate: { perMinute: 30, burst: 2 } })
    await inbox.deliver(await letter(alice, bobId, '1'), { remotePeer: 'peer-x' })
    await inbox.deliver(await letter(carol, bobId, '2'), { remotePeer: 'peer-x' })
    await expect(inbox.deliver(await letter(bob, carolId, '3'), { remotePeer: 'peer-x' })).rejects.toMatchObject({ status: 429 })
    expect((await inbox.list(carolId)).messages).toEqual([])
  })

  it('stores an envelope delivered twice once, with the same id, even after it was acknowledged', async () => {
    const bytes = await letter(alice, bobId, 'once')
    const first = await inbox.deliver(bytes)
    // the id is the SHA-256 of the canonical envelope, as it always was
    expect(first.id).toBe(hashId(bytes))
    clock.advance(5000)
    const again = await inbox.deliver(bytes)
    expect(again).toEqual({ ...first, duplicate: true })
    expect((await inbox.list(bobId)).messages).toHaveLength(1)

    await inbox.ack(bobId, [first.id])
    expect(await inbox.deliver(bytes)).toMatchObject({ id: first.id, duplicate: true })
    expect((await inbox.list(bobId)).messages).toEqual([])
  })

  it('tells listeners about each new message once, so a connected recipient can be pushed to', async () => {
    const events: DeliveredEvent[] = []
    const unsubscribe = inbox.onDelivered(event => events.push(event))
    const bytes = await letter(alice, bobId, 'push me')
    await inbox.deliver(bytes)
    await inbox.deliver(bytes)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ account: bobId, message: { from: aliceId, envelope: bytes } })
    unsubscribe()
    await inbox.deliver(await letter(alice, bobId, 'unheard'))
    expect(events).toHaveLength(1)
  })

  it('expired messages disappear and are swept; envelopes older than the TTL are refused', async () => {
    inbox = make({ ...generous, ttlMs: DAY })
    const { id } = await inbox.deliver(await letter(alice, bobId, 'short-lived'))
    clock.advance(DAY / 2)
    const kept = await inbox.deliver(await letter(alice, bobId, 'younger'))
    clock.advance(DAY / 2)

    expect((await inbox.list(bobId)).messages.map(m => m.id)).toEqual([kept.id])
    await expect(inbox.fetch(bobId, id)).rejects.toMatchObject({ status: 404 })
    expect(await inbox.sweep()).toBe(1)
    expect(await inbox.usageOf(bobId)).toMatchObject({ inboxMessages: 1 })
    expect((await all(datastore.queryKeys({}))).some(key => key.toString().includes(id))).toBe(false)

    await expect(inbox.deliver(await letter(alice, bobId, 'stale', clock.now() - DAY - 1))).rejects.toMatchObject({ code: 'ENVELOPE_EXPIRED' })
  })

  it('messages survive a restart: a new inbox over the same datastore sees them', async () => {
    const { id } = await inbox.deliver(await letter(alice, bobId, 'durable'))
    const bytes = (await inbox.fetch(bobId, id)).size
    const restarted = make()
    expect((await restarted.list(bobId)).messages.map(m => m.id)).toEqual([id])
    expect(await restarted.usageOf(bobId)).toEqual({ inboxMessages: 1, inboxBytes: bytes })
    expect(toString((await openMessage(bob, decodeEnvelope((await restarted.fetch(bobId, id)).envelope))).plaintext)).toBe('durable')
  })

  it('one account cannot list, fetch or acknowledge another account\'s messages', async () => {
    const { id } = await inbox.deliver(await letter(alice, bobId, 'for bob'))
    const own = await inbox.deliver(await letter(alice, carolId, 'for carol'))

    expect((await inbox.list(carolId)).messages.map(m => m.id)).toEqual([own.id])
    await expect(inbox.fetch(carolId, id)).rejects.toMatchObject({ status: 404 })
    await expect(inbox.ack(carolId, [own.id, id])).rejects.toMatchObject({ status: 404 })
    // nothing was deleted: neither bob's message nor carol's own one in the same request
    expect((await inbox.list(bobId)).messages.map(m => m.id)).toEqual([id])
    expect((await inbox.list(carolId)).messages.map(m => m.id)).toEqual([own.id])
    await expect(inbox.fetch(carolId, '../i/x')).rejects.toMatchObject({ code: 'ID_INVALID' })
  })

  it('removeAccount deletes every message of the account and nothing of others', async () => {
    const { id } = await inbox.deliver(await letter(alice, bobId, 'gone soon'))
    await inbox.ack(bobId, [id])
    await inbox.deliver(await letter(alice, bobId, 'also gone'))
    await inbox.deliver(await letter(alice, carolId, 'stays'))

    await inbox.removeAccount(bobId)
    expect(await inbox.usageOf(bobId)).toEqual({ inboxMessages: 0, inboxBytes: 0 })
    expect((await inbox.list(bobId)).messages).toEqual([])
    expect((await all(datastore.queryKeys({}))).some(key => key.toString().includes(bobId))).toBe(false)
    expect((await inbox.list(carolId)).messages).toHaveLength(1)
  })
})
