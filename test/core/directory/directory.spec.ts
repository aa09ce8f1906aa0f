import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MemoryDatastore } from 'datastore-core'
import all from 'it-all'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  contactFromJSON, contactToJSON, createDirectory, decodeContact, encodeContact, signContact, verifyContact
} from '../../../src/core/directory/index.ts'
import { FakeAccounts, manualClock } from '../inbox/fakes.ts'
import type { Contact, ContactFields, Directory, DirectoryInit } from '../../../src/core/directory/index.ts'
import type { PrivateKey } from '@libp2p/interface'

const INBOX = '/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWHjQgMkukKepBAv6dYPZVNKwxg4ysziiCVDEHoNSeRDzi'
const AVATAR = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const keys = await Promise.all(Array.from({ length: 8 }, async () => generateKeyPair('Ed25519')))
const idOf = (key: PrivateKey): string => peerIdFromPrivateKey(key).toString()
const [alice, bob, carol, dave, erin, frank, grace, mallory] = keys

const fields = (username: string, displayName: string, seq = 1): ContactFields => ({ username, displayName, inboxes: [INBOX], seq })

describe('signed contacts', () => {
  it('a signed contact verifies and survives the dag-cbor and JSON encodings', async () => {
    const contact = await signContact(alice, { ...fields('alice', 'Alice Liddell'), avatar: AVATAR })
    expect(contact).toMatchObject({ v: 1, peerId: idOf(alice), username: 'alice', avatar: AVATAR })
    await verifyContact(contact)
    expect(decodeContact(encodeContact(contact))).toEqual(contact)
    const viaJson = contactFromJSON(JSON.parse(JSON.stringify(contactToJSON(contact))))
    expect(viaJson).toEqual(contact)
    await verifyContact(viaJson)
  })

  it('any changed field breaks the signature', async () => {
    const contact = await signContact(alice, fields('alice', 'Alice'))
    for (const forged of [
      { ...contact, displayName: 'Alice (official)' },
      { ...contact, inboxes: ['/ip4/10.0.0.1/tcp/1'] },
      { ...contact, seq: 2 }
    ]) {
      await expect(verifyContact(forged)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', status: 400 })
    }
    // a contact signed by another key, claiming alice's peer id and key
    const malloryOwn = await signContact(mallory, fields('alice', 'Alice'))
    await expect(verifyContact({ ...malloryOwn, peerId: contact.peerId, publicKey: contact.publicKey })).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' })
    // ...or naming alice's peer id with its own key
    await expect(verifyContact({ ...malloryOwn, peerId: contact.peerId })).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' })
  })

  it('rejects bad fields with CONTACT_INVALID', async () => {
    const bad: Array<Partial<ContactFields>> = [
      { username: '' }, { username: 'has space' }, { username: 'x'.repeat(33) }, { username: '-dash' },
      { displayName: '   ' }, { displayName: 'x'.repeat(65) }, { displayName: 'bell\u0007' },
      { inboxes: ['not a multiaddr'] }, { inboxes: Array(9).fill(INBOX) },
      { avatar: 'not-a-cid' }, { seq: -1 }, { seq: 1.5 }
    ]
    for (const change of bad) {
      await expect(signContact(alice, { ...fields('alice', 'Alice'), ...change })).rejects.toMatchObject({ code: 'CONTACT_INVALID', status: 400 })
    }
  })
})

describe('directory', () => {
  let datastore: MemoryDatastore
  let accounts: FakeAccounts
  let clock: ReturnType<typeof manualClock>
  let directory: Directory

  const make = (init: DirectoryInit = {}): Directory => createDirectory({ datastore, logger: defaultLogger(), clock: clock.now, accounts }, init)
  const publish = async (key: PrivateKey, username: string, displayName: string, seq = 1): Promise<Contact> => {
    const contact = await signContact(key, fields(username, displayName, seq))
    await directory.publish(idOf(key), contact)
    return contact
  }
  const usernames = (page: { contacts: Contact[] }): string[] => page.contacts.map(c => c.username)

  beforeEach(async () => {
    datastore = new MemoryDatastore()
    accounts = new FakeAccounts()
    keys.forEach(key => { accounts.register(idOf(key)) })
    clock = manualClock()
    directory = make()
    await directory.start()
  })

  it('anyone finds a published contact by username prefix, case-insensitively, and can check its signature', async () => {
    await publish(alice, 'Alice', 'Alice Liddell')
    await publish(bob, 'bob', 'Robert Paulson')
    const page = await directory.search({ q: 'ALI' })
    expect(usernames(page)).toEqual(['Alice'])
    await verifyContact(page.contacts[0])
    expect(page.contacts[0].inboxes).toEqual([INBOX])
  })

  it('ranks prefix matches before substring matches, username prefix first', async () => {
    await publish(alice, 'xander', 'Zed Ann')       // substring of display name
    await publish(bob, 'annabel', 'Bel')             // username prefix
    await publish(carol, 'zoe', 'Anna Zoe')          // display name prefix
    await publish(dave, 'joanne', 'Jo')              // substring of username
    await publish(erin, 'bert', 'Bert')              // no match
    expect(usernames(await directory.search({ q: 'ann' }))).toEqual(['annabel', 'zoe', 'joanne', 'xander'])
    expect(usernames(await directory.search({ q: 'ZOE' }))).toEqual(['zoe'])
    expect((await directory.search({ q: 'nobody' })).contacts).toEqual([])
  })

  it('finds a contact exactly by peer id', async () => {
    const contact = await publish(alice, 'alice', 'Alice')
    await publish(bob, 'alicia', 'Alice too')
    expect((await directory.search({ peerId: idOf(alice) })).contacts).toEqual([contact])
    expect((await directory.search({ peerId: idOf(carol) })).contacts).toEqual([])
    expect(await directory.get(idOf(alice))).toEqual(contact)
    await expect(directory.get(idOf(carol))).rejects.toMatchObject({ status: 404, code: 'CONTACT_NOT_FOUND' })
  })

  it('pages through results with a cursor, capped at maxResults', async () => {
    directory = make({ maxResults: 3 })
    const names = ['sam', 'samantha', 'samuel', 'sammy', 'samwise']
    for (let i = 0; i < names.length; i++) await publish(keys[i], names[i], 'x')
    await publish(keys[5], 'isam', 'middle')       // substring tier
    await publish(keys[6], 'other', 'Samurai')     // display-name tier

    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = await directory.search({ q: 'sam', limit: 10, cursor })
      expect(page.contacts.length).toBeLessThanOrEqual(3)
      seen.push(...usernames(page))
      cursor = page.cursor
      pages++
    } while (cursor != null)
    expect(seen).toEqual(['sam', 'samantha', 'sammy', 'samuel', 'samwise', 'other', 'isam'])
    expect(pages).toBe(3)
    await expect(directory.search({ q: 'sam', cursor: 'bogus' })).rejects.toMatchObject({ code: 'CURSOR_INVALID', status: 400 })
  })

  it('refuses a forged contact signature and keeps what was there', async () => {
    const original = await publish(alice, 'alice', 'Alice', 1)
    const forged = { ...await signContact(alice, fields('alice', 'Alice', 2)), displayName: 'Send me money' }
    await expect(directory.publish(idOf(alice), forged)).rejects.toMatchObject({ status: 400, code: 'SIGNATURE_INVALID' })
    expect(await directory.get(idOf(alice))).toEqual(original)
  })

  it('a newer version replaces the old one; a stale or equal version is refused and the current one kept', async () => {
    await publish(alice, 'alice', 'Alice', 5)
    const newer = await publish(alice, 'alice', 'Alice Cooper', 6)
    expect(await directory.get(idOf(alice))).toEqual(newer)
    expect((await directory.search({ q: 'cooper' })).contacts).toEqual([newer])

    for (const seq of [6, 3]) {
      await expect(publish(alice, 'alice', 'Old Alice', seq)).rejects.toMatchObject({ status: 409, code: 'CONTACT_STALE' })
    }
    expect(await directory.get(idOf(alice))).toEqual(newer)
    expect((await directory.search({ q: 'old' })).contacts).toEqual([])
  })

  it('an account cannot publish someone else\'s contact, even one they signed', async () => {
    const bobs = await signContact(bob, fields('bob', 'Bob'))
    await expect(directory.publish(idOf(alice), bobs)).rejects.toMatchObject({ status: 403, code: 'CONTACT_FOREIGN' })
    expect((await directory.search({ q: 'bob' })).contacts).toEqual([])
  })

  it('an account not registered here cannot publish', async () => {
    accounts.deregister(idOf(alice))
    await expect(publish(alice, 'alice', 'Alice')).rejects.toMatchObject({ status: 403, code: 'ACCOUNT_NOT_REGISTERED' })
  })

  it('rate limits searches per remote peer with 429', async () => {
    directory = make({ searchRate: { perMinute: 60, burst: 3 } })
    for (let i = 0; i < 3; i++) await directory.search({ q: 'a' }, { remotePeer: 'peer-x' })
    await expect(directory.search({ q: 'a' }, { remotePeer: 'peer-x' })).rejects.toMatchObject({ status: 429 })
    await directory.search({ q: 'a' }, { remotePeer: 'peer-y' })
    clock.advance(1000)
    await directory.search({ q: 'a' }, { remotePeer: 'peer-x' })
  })

  it('rejects malformed queries with 400', async () => {
    for (const query of [{}, { q: '' }, { q: '   ' }, { q: 'x'.repeat(65) }, { q: 'a', peerId: idOf(alice) }, { q: 'a', limit: 0 }, { q: 'a\u0001b' }]) {
      await expect(directory.search(query)).rejects.toMatchObject({ status: 400 })
    }
  })

  it('contacts survive a restart: a new directory over the same datastore finds them', async () => {
    const contact = await publish(alice, 'alice', 'Alice')
    await publish(bob, 'bob', 'Bob', 3)
    const restarted = make()
    expect((await restarted.search({ q: 'ali' })).contacts).toEqual([contact])
    // versions are remembered too
    await expect(restarted.publish(idOf(bob), await signContact(bob, fields('bob', 'Bob', 2)))).rejects.toMatchObject({ code: 'CONTACT_STALE' })
  })

  it('removeAccount takes the contact out of the datastore, the index and search', async () => {
    await publish(alice, 'alice', 'Alice')
    await publish(grace, 'alina', 'Alina')
    expect(await directory.usageOf(idOf(alice))).toMatchObject({ directoryContacts: 1 })

    await directory.removeAccount(idOf(alice))
    expect(usernames(await directory.search({ q: 'ali' }))).toEqual(['alina'])
    expect((await directory.search({ peerId: idOf(alice) })).contacts).toEqual([])
    expect(await directory.usageOf(idOf(alice))).toEqual({ directoryContacts: 0, directoryBytes: 0 })
    expect((await all(datastore.queryKeys({}))).map(String).some(key => key.includes(idOf(alice)))).toBe(false)
    expect(usernames(await make().search({ q: 'ali' }))).toEqual(['alina'])
  })

  it('keeps the sorted index right through many replacements and removals', async () => {
    await publish(frank, 'mm', 'M', 1)
    await publish(grace, 'mm', 'M', 1)
    await publish(frank, 'zz', 'M', 2)
    await directory.removeAccount(idOf(grace))
    expect(usernames(await directory.search({ q: 'mm' }))).toEqual([])
    expect(usernames(await directory.search({ q: 'm' }))).toEqual(['zz'])
    expect(usernames(await directory.search({ q: 'z' }))).toEqual(['zz'])
  })
})
