import { describe, it, expect, beforeEach } from 'vitest'
import { createCafe, createAccount, sign } from './fixtures.ts'
import type { Cafe } from './fixtures.ts'

describe('challenges', () => {
  let cafe: Cafe
  let token: string
  beforeEach(async () => {
    cafe = await createCafe()
    token = (await cafe.tokens.create()).token
  })

  it('a challenge names this cafe and expires in about two minutes', async () => {
    const challenge = await cafe.accounts.challenge()
    expect(challenge.cafe).toBe(cafe.peerId)
    expect(challenge.expiresAt - cafe.now()).toBe(120_000)
  })

  it('a replayed nonce cannot register', async () => {
    const alice = await createAccount()
    const { nonce } = await cafe.accounts.challenge()
    const signature = await sign(alice, cafe.peerId, nonce)
    await cafe.accounts.createSession({ account: alice.id, nonce, signature, token })
    await expect(cafe.accounts.createSession({ account: alice.id, nonce, signature, token }))
      .rejects.toMatchObject({ status: 401, code: 'CHALLENGE_INVALID' })
  })

  it('a nonce issued by another cafe cannot register here', async () => {
    const other = await createCafe()
    const alice = await createAccount()
    const { nonce } = await other.accounts.challenge()
    const signature = await sign(alice, other.peerId, nonce)
    await expect(cafe.accounts.createSession({ account: alice.id, nonce, signature, token }))
      .rejects.toMatchObject({ status: 401, code: 'CHALLENGE_INVALID' })
  })

  it('a signature made for another cafe does not count here', async () => {
    const other = await createCafe()
    const alice = await createAccount()
    const { nonce } = await cafe.accounts.challenge()
    const signature = await sign(alice, other.peerId, nonce)
    await expect(cafe.accounts.createSession({ account: alice.id, nonce, signature, token }))
      .rejects.toMatchObject({ status: 401, code: 'SIGNATURE_INVALID' })
  })

  it('an expired nonce cannot register', async () => {
    const alice = await createAccount()
    const { nonce } = await cafe.accounts.challenge()
    cafe.advance(120_000)
    const signature = await sign(alice, cafe.peerId, nonce)
    await expect(cafe.accounts.createSession({ account: alice.id, nonce, signature, token }))
      .rejects.toMatchObject({ status: 401, code: 'CHALLENGE_EXPIRED' })
  })

  it('a nonce signed by another key cannot register that account', async () => {
    const alice = await createAccount()
    const mallory = await createAccount()
    const { nonce } = await cafe.accounts.challenge()
    const signature = await sign(mallory, cafe.peerId, nonce)
    await expect(cafe.accounts.createSession({ account: alice.id, nonce, signature, token }))
      .rejects.toMatchObject({ status: 401, code: 'SIGNATURE_INVALID' })
    expect(await cafe.accounts.isRegistered(alice.id)).toBe(false)
  })

  it('a failed attempt spends the nonce', async () => {
    const alice = await createAccount()
    const { nonce } = await cafe.accounts.challenge()
    await expect(cafe.accounts.createSession({ account: alice.id, nonce, signature: 'A'.repeat(86), token })).rejects.toThrow()
    const signature = await sign(alice, cafe.peerId, nonce)
    await expect(cafe.accounts.createSession({ account: alice.id, nonce, signature, token }))
      .rejects.toMatchObject({ code: 'CHALLENGE_INVALID' })
  })

  it('expired challenges are swept from the datastore', async () => {
    for (let i = 0; i < 3; i++) await cafe.accounts.challenge()
    cafe.advance(200_000)
    await cafe.accounts.challenge()
    let count = 0
    for await (const _ of cafe.datastore.queryKeys({ prefix: '/cafe/challenges/' })) count++
    expect(count).toBe(1)
  })
})
