import { describe, it, expect, beforeEach } from 'vitest'
import { createCafe, createAccount, registered, sign, startSession } from './fixtures.ts'
import type { Cafe, Account } from './fixtures.ts'
import type { AccountDataOwner } from '../../../src/core/types.ts'

function fakeOwner (name: string, usage: number): AccountDataOwner & { removed: string[] } {
  const removed: string[] = []
  return {
    removed,
    async removeAccount (account) { removed.push(account) },
    async usageOf () { return { [name]: usage } }
  }
}

describe('accounts', () => {
  let cafe: Cafe
  let alice: Account
  beforeEach(async () => {
    cafe = await createCafe()
    alice = await createAccount()
  })

  it('an account registers with a token and is then registered', async () => {
    const { token } = await cafe.tokens.create()
    const session = await startSession(cafe, alice, token)
    expect(session).toMatchObject({ account: alice.id, registered: true })
    expect(await cafe.accounts.isRegistered(alice.id)).toBe(true)
    const [client] = await cafe.accounts.listClients()
    expect(client).toMatchObject({ account: alice.id, registeredAt: cafe.now(), lastSeen: cafe.now(), quotaOverride: null })
    expect(client.tokenId).toBe((await cafe.tokens.list())[0].id)
  })

  it('a second device of a registered account signs in without a token and spends no token use', async () => {
    const { token } = await cafe.tokens.create({ uses: 1 })
    await startSession(cafe, alice, token)
    const again = await startSession(cafe, alice)
    expect(again.registered).toBe(false)
    const withToken = await startSession(cafe, alice, 'no-such-token')
    expect(withToken.registered).toBe(false)
  })

  it('an unregistered account cannot sign in without a token on a token-only cafe', async () => {
    expect(cafe.accounts.registration).toBe('token')
    await expect(startSession(cafe, alice)).rejects.toMatchObject({ status: 401, code: 'TOKEN_REQUIRED' })
    expect(await cafe.accounts.isRegistered(alice.id)).toBe(false)
  })

  it('an open cafe registers without a token', async () => {
    const open = await createCafe({ open: true })
    expect(open.accounts.registration).toBe('open')
    expect(await startSession(open, alice)).toMatchObject({ registered: true })
  })

  it('malformed registration input is a 400', async () => {
    const { nonce } = await cafe.accounts.challenge()
    const signature = await sign(alice, cafe.peerId, nonce)
    await expect(cafe.accounts.createSession({ account: 'not-a-peer', nonce, signature })).rejects.toMatchObject({ status: 400, code: 'ACCOUNT_INVALID' })
    await expect(cafe.accounts.createSession({ account: alice.id, nonce, signature: '!!' })).rejects.toMatchObject({ status: 400, code: 'SIGNATURE_INVALID' })
    await expect(cafe.accounts.createSession({ account: alice.id, nonce: 'nope', signature })).rejects.toMatchObject({ status: 401, code: 'CHALLENGE_INVALID' })
  })

  it('repeated failed registrations from one peer get 429 with a retry time, others are not affected', async () => {
    const { nonce } = await cafe.accounts.challenge()
    for (let i = 0; i < 5; i++) {
      await expect(cafe.accounts.createSession({ account: alice.id, nonce: `bad${i}`, signature: await sign(alice, cafe.peerId, nonce) }, { remote: 'peerA' }))
        .rejects.toMatchObject({ status: 401 })
    }
    const { token } = await cafe.tokens.create()
    const err = await startSession(cafe, alice, token, 'peerA').catch(err => err)
    expect(err).toMatchObject({ status: 429, code: 'TOO_MANY_FAILURES' })
    expect(err.retryAfterSeconds).toBeGreaterThan(0)
    expect(await startSession(cafe, alice, token, 'peerB')).toMatchObject({ registered: true })
    cafe.advance(err.retryAfterSeconds * 1000)
    expect(await startSession(cafe, alice, undefined, 'peerA')).toMatchObject({ registered: false })
  })

  it('removing an account deletes its record, ends its sessions and asks every data owner to delete its data', async () => {
    const backup = fakeOwner('storageBytes', 10)
    const inbox = fakeOwner('inboxMessages', 2)
    cafe.accounts.addDataOwner(backup)
    cafe.accounts.addDataOwner(inbox)
    const bob = await createAccount()
    const session = await registered(cafe, alice)
    await registered(cafe, bob)
    await cafe.accounts.remove(alice.id)
    expect(backup.removed).toEqual([alice.id])
    expect(inbox.removed).toEqual([alice.id])
    expect(await cafe.accounts.isRegistered(alice.id)).toBe(false)
    expect(await cafe.accounts.isRegistered(bob.id)).toBe(true)
    await expect(cafe.accounts.authenticate(session.accessToken)).rejects.toMatchObject({ status: 401 })
    await expect(cafe.accounts.remove(alice.id)).rejects.toMatchObject({ status: 404 })
  })

  it('if a data owner fails, the account stays registered so removal can be retried', async () => {
    let fail = true
    cafe.accounts.addDataOwner({
      async removeAccount () { if (fail) throw new Error('disk full') },
      async usageOf () { return {} }
    })
    await registered(cafe, alice)
    await expect(cafe.accounts.remove(alice.id)).rejects.toMatchObject({ code: 'REMOVE_FAILED' })
    expect(await cafe.accounts.isRegistered(alice.id)).toBe(true)
    fail = false
    await cafe.accounts.remove(alice.id)
    expect(await cafe.accounts.isRegistered(alice.id)).toBe(false)
  })

  it('the client list shows usage from the data owners against the quota', async () => {
    cafe.accounts.addDataOwner(fakeOwner('storageBytes', 1234))
    cafe.accounts.addDataOwner(fakeOwner('inboxMessages', 3))
    await registered(cafe, alice)
    const [client] = await cafe.accounts.listClients()
    expect(client.usage).toEqual({ storageBytes: 1234, inboxMessages: 3 })
    expect(client.quota).toEqual(await cafe.accounts.defaultQuota())
    expect(await cafe.accounts.whoami(alice.id)).toMatchObject({ account: alice.id, usage: { storageBytes: 1234 } })
  })

  it('the default quota and per-account overrides decide quotaOf', async () => {
    const bob = await createAccount()
    await registered(cafe, alice)
    await registered(cafe, bob)
    const small = { storageBytes: 10, inboxMessages: 1, inboxBytes: 100 }
    const big = { storageBytes: 10_000, inboxMessages: 50, inboxBytes: 5000 }
    await cafe.accounts.setDefaultQuota(small)
    await cafe.accounts.setQuota(bob.id, big)
    expect(await cafe.accounts.quotaOf(alice.id)).toEqual(small)
    expect(await cafe.accounts.quotaOf(bob.id)).toEqual(big)
    expect((await cafe.accounts.listClients()).find(c => c.account === bob.id)?.quotaOverride).toEqual(big)
    await cafe.accounts.setQuota(bob.id, null)
    expect(await cafe.accounts.quotaOf(bob.id)).toEqual(small)
  })

  it('bad quotas are refused, and an unknown client has none to set', async () => {
    await registered(cafe, alice)
    await expect(cafe.accounts.setDefaultQuota({ storageBytes: -1, inboxMessages: 1, inboxBytes: 1 })).rejects.toMatchObject({ status: 400 })
    await expect(cafe.accounts.setQuota(alice.id, { storageBytes: 1 } as any)).rejects.toMatchObject({ status: 400 })
    await expect(cafe.accounts.setQuota((await createAccount()).id, { storageBytes: 1, inboxMessages: 1, inboxBytes: 1 })).rejects.toMatchObject({ status: 404 })
  })

  it('lastSeen follows activity, written at most once a minute', async () => {
    const session = await registered(cafe, alice)
    const start = cafe.now()
    cafe.advance(30_000)
    await cafe.accounts.authenticate(session.accessToken)
    expect((await cafe.accounts.whoami(alice.id)).lastSeen).toBe(start)
    cafe.advance(31_000)
    await cafe.accounts.authenticate(session.accessToken)
    expect((await cafe.accounts.whoami(alice.id)).lastSeen).toBe(start + 61_000)
  })
})
