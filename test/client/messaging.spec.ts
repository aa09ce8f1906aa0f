import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CafeClient, CafeInbox, HttpTransport, Libp2pTransport, MemorySessionStore, deliverMessage,
  httpInboxAddress, publishContact, searchDirectory, transportForInbox
} from '../../src/client/index.ts'
import { contactToJSON, signContact } from '../../src/core/directory/index.ts'
import { envelopeToJSON, sealMessage } from '../../src/core/inbox/index.ts'
import { createLibp2pCafe, createTestCafe, type Libp2pCafe, type TestCafe } from './fixtures.ts'
import type { CafeTransport } from '../../src/client/index.ts'
import type { PrivateKey } from '@libp2p/interface'

const BASE = 'http://cafe.test'
const text = (s: string): Uint8Array => new TextEncoder().encode(s)

function http (cafe: TestCafe, remote = 'test'): HttpTransport {
  return new HttpTransport(BASE, { fetch: async request => cafe.http.fetch(request, { remote }) })
}

async function account (cafe: TestCafe, transport: CafeTransport = http(cafe)): Promise<{ key: PrivateKey, client: CafeClient, inbox: CafeInbox }> {
  const key = await generateKeyPair('Ed25519')
  const client = new CafeClient({ privateKey: key, transport, store: new MemorySessionStore(), clock: cafe.now })
  await client.register((await cafe.owner.createToken({ uses: 1 })).token)
  return { key, client, inbox: new CafeInbox(client, key) }
}

describe('inbox and directory over HTTP', () => {
  let cafe: TestCafe

  beforeAll(async () => { cafe = await createTestCafe() })

  it('B finds A by username, delivers to the inbox in A\'s signed contact, and A reads, verifies and acknowledges it', async () => {
    const alice = await account(cafe)
    await publishContact(alice.client, alice.key, { username: 'alice_w', displayName: 'Alice Wonder', inboxes: [httpInboxAddress(BASE, cafe.peerId)] })

    const bob = await generateKeyPair('Ed25519') // not registered anywhere
    const found = await searchDirectory(http(cafe, 'bob'), { q: 'ALI' })
    expect(found.contacts.map(c => c.username)).toEqual(['alice_w'])
    const [contact] = found.contacts
    const receipt = await deliverMessage(bob, contact.peerId, text('hello alice'), {
      cafes: contact.inboxes.map(address => transportForInbox(address, { fetch: async request => cafe.http.fetch(request, { remote: 'bob' }) }))
    })
    expect(receipt.duplicate).toBe(false)

    const [message] = await alice.inbox.readAll()
    expect(new TextDecoder().decode(message.plaintext)).toBe('hello alice')
    expect(message.from).toBe(peerIdFromPrivateKey(bob).toString())
    await alice.inbox.ack([message.id])
    expect((await alice.inbox.list()).messages).toEqual([])
  })

  it('one account cannot list, read or acknowledge another\'s messages', async () => {
    const alice = await account(cafe)
    const eve = await account(cafe)
    const sender = await generateKeyPair('Ed25519')
    const { id } = await deliverMessage(sender, alice.client.account, text('for alice only'), { cafes: [http(cafe, 'sender')] })
    expect((await eve.inbox.list()).messages).toEqual([])
    await expect(eve.inbox.read(id)).rejects.toMatchObject({ status: 404 })
    await expect(eve.inbox.ack([id])).rejects.toMatchObject({ status: 404 })
    expect((await alice.inbox.list()).messages.map(m => m.id)).toEqual([id])
  })

  it('bad input gets its own clear error and changes nothing', async () => {
    const alice = await account(cafe)
    const sender = await generateKeyPair('Ed25519')
    const transport = http(cafe, 'bad-input')

    // oversized: the envelope passes the inbox's 64 KiB limit
    await expect(deliverMessage(sender, alice.client.account, new Uint8Array(70_000), { cafes: [transport] })).rejects.toMatchObject({ status: 413 })
    // unknown recipient
    const stranger = await generateKeyPair('Ed25519')
    await expect(deliverMessage(sender, peerIdFromPrivateKey(stranger).toString(), text('hi'), { cafes: [transport] }))
      .rejects.toMatchObject({ status: 404, code: 'RECIPIENT_NOT_FOUND' })
    // a forged envelope: signed by the sender, then its body swapped
    const envelope = envelopeToJSON(await sealMessage(sender, alice.client.account, text('original')))
    const other = envelopeToJSON(await sealMessage(sender, alice.client.account, text('swapped!')))
    await expect(transport.request('inbox.deliver', { envelope: { ...envelope, body: other.body } }, undefined)).rejects.toMatchObject({ status: 400, code: 'SIGNATURE_INVALID' })
    expect((await alice.inbox.list()).messages).toEqual([])

    // a forged contact: signed, then its display name changed
    const signed = await signContact(alice.key, { username: 'alice2', displayName: 'Alice', inboxes: [], seq: 5 })
    await expect(alice.client.call('directory.publish', { contact: { ...contactToJSON(signed), displayName: 'Mallory' } })).rejects.toMatchObject({ status: 400, code: 'SIGNATURE_INVALID' })
    // a stale version is refused and the newer one kept
    await alice.client.call('directory.publish', { contact: contactToJSON(signed) })
    const older = await signContact(alice.key, { username: 'alice2', displayName: 'Old Alice', inboxes: [], seq: 4 })
    await expect(alice.client.call('directory.publish', { contact: contactToJSON(older) })).rejects.toMatchObject({ status: 409, code: 'CONTACT_STALE' })
    expect((await searchDirectory(transport, { peerId: alice.client.account })).contacts[0].displayName).toBe('Alice')
    // another account's contact cannot be published by this one
    const eve = await account(cafe)
    await expect(eve.client.call('directory.publish', { contact: contactToJSON(signed) })).rejects.toMatchObject({ status: 403 })
  })

  it('a flood from one sender is rate limited (429) and the messages before it stay', async () => {
    const alice = await account(cafe)
    const sender = await generateKeyPair('Ed25519')
    const statuses: number[] = []
    for (let i = 0; i < 15; i++) {
      statuses.push(await deliverMessage(sender, alice.client.account, text(`flood ${i}`), { cafes: [http(cafe, `flood-${i}`)] })
        .then(() => 201, (err: { status: number }) => err.status))
    }
    expect(statuses.filter(s => s === 201).length).toBeGreaterThan(0)
    expect(statuses).toContain(429)
    expect((await alice.inbox.list({ limit: 100 })).messages.length).toBe(statuses.filter(s => s === 201).length)
  })

  it('deregistering removes the account\'s contact and waiting messages', async () => {
    const alice = await account(cafe)
    await publishContact(alice.client, alice.key, { username: 'leaving', displayName: 'Leaving Soon', inboxes: [] })
    expect((await searchDirectory(http(cafe), { q: 'leaving' })).contacts).toHaveLength(1)
    await alice.client.deregister()
    expect((await searchDirectory(http(cafe), { q: 'leaving' })).contacts).toHaveLength(0)
  })
})

describe('inbox push over libp2p (TCP on 127.0.0.1)', () => {
  let net: Libp2pCafe
  let cafe: TestCafe

  beforeAll(async () => {
    net = await createLibp2pCafe()
    cafe = net.cafe
  })
  afterAll(async () => { await net?.stop() })

  it('a connected recipient gets a new message pushed at once, and it still waits until acknowledged', async () => {
    const transport = new Libp2pTransport(net.clientNode, net.address)
    const alice = await account(cafe, transport)
    const controller = new AbortController()
    const pushed = new Promise<string>((resolve) => {
      void alice.inbox.subscribe(message => { resolve(new TextDecoder().decode(message.plaintext)) }, { signal: controller.signal })
    })
    await new Promise(resolve => setTimeout(resolve, 300)) // let the subscription open
    const sender = await generateKeyPair('Ed25519')
    const started = Date.now()
    await deliverMessage(sender, alice.client.account, text('pushed to you'), { cafes: [new Libp2pTransport(net.clientNode, net.address)] })
    expect(await pushed).toBe('pushed to you')
    expect(Date.now() - started).toBeLessThan(2_000)
    controller.abort()
    expect((await alice.inbox.list()).messages).toHaveLength(1)
  })

  it('a subscription with a bad token is refused with 401', async () => {
    const transport = new Libp2pTransport(net.clientNode, net.address)
    await expect(transport.subscribeInbox('not-a-jwt', () => {})).rejects.toMatchObject({ status: 401 })
  })
})
