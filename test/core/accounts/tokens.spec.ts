import { describe, it, expect, beforeEach } from 'vitest'
import { fromString } from 'uint8arrays/from-string'
import { createCafe, createAccount, startSession } from './fixtures.ts'
import type { Cafe } from './fixtures.ts'

describe('access tokens', () => {
  let cafe: Cafe
  beforeEach(async () => { cafe = await createCafe() })

  it('a new token is 32+ random bytes of base64url, shown once', async () => {
    const created = await cafe.tokens.create({ label: 'alice', uses: 2 })
    expect(created.token).toMatch(/^[A-Za-z0-9_-]{43,}$/)
    expect(fromString(created.token, 'base64url').length).toBeGreaterThanOrEqual(32)
    expect(created).toMatchObject({ label: 'alice', usesLeft: 2, expiresAt: null, usedBy: [] })
    const listed = await cafe.tokens.list()
    expect(listed).toEqual([{ id: created.id, label: 'alice', createdAt: created.createdAt, expiresAt: null, usesLeft: 2, usedBy: [] }])
    expect(JSON.stringify(listed)).not.toContain(created.token)
  })

  it('the cafe stores only the hash of the token', async () => {
    const { token } = await cafe.tokens.create()
    const stored: string[] = []
    for await (const { value } of cafe.datastore.query({})) stored.push(new TextDecoder().decode(value))
    expect(stored.join('\n')).not.toContain(token)
    expect(stored.join('\n')).toContain('"hash"')
  })

  it('the token list shows which accounts used it and how many uses are left', async () => {
    const { token, id } = await cafe.tokens.create({ uses: 3 })
    const alice = await createAccount()
    const bob = await createAccount()
    await startSession(cafe, alice, token)
    await startSession(cafe, bob, token)
    const [info] = await cafe.tokens.list()
    expect(info.id).toBe(id)
    expect(info.usesLeft).toBe(1)
    expect(info.usedBy.map(use => use.account)).toEqual([alice.id, bob.id])
  })

  it('a revoked token cannot register', async () => {
    const { token, id } = await cafe.tokens.create()
    await cafe.tokens.revoke(id)
    await expect(startSession(cafe, await createAccount(), token)).rejects.toMatchObject({ status: 401, code: 'TOKEN_INVALID' })
    expect(await cafe.tokens.list()).toEqual([])
  })

  it('an expired token cannot register', async () => {
    const { token } = await cafe.tokens.create({ expiresAt: cafe.now() + 1000 })
    cafe.advance(1000)
    await expect(startSession(cafe, await createAccount(), token)).rejects.toMatchObject({ status: 401, code: 'TOKEN_EXPIRED' })
  })

  it('a used-up token cannot register', async () => {
    const { token } = await cafe.tokens.create({ uses: 1 })
    await startSession(cafe, await createAccount(), token)
    await expect(startSession(cafe, await createAccount(), token)).rejects.toMatchObject({ status: 401, code: 'TOKEN_USED_UP' })
  })

  it('two registrations racing for a single-use token: only one gets it', async () => {
    const { token } = await cafe.tokens.create({ uses: 1 })
    const results = await Promise.allSettled([
      startSession(cafe, await createAccount(), token),
      startSession(cafe, await createAccount(), token)
    ])
    expect(results.map(result => result.status).sort()).toEqual(['fulfilled', 'rejected'])
  })

  it('an unknown token and a made-up one cannot register', async () => {
    await cafe.tokens.create()
    await expect(startSession(cafe, await createAccount(), 'A'.repeat(43))).rejects.toMatchObject({ code: 'TOKEN_INVALID' })
    await expect(startSession(cafe, await createAccount(), '')).rejects.toMatchObject({ code: 'TOKEN_REQUIRED' })
  })

  it('bad token options are refused; revoking an unknown id is 404', async () => {
    await expect(cafe.tokens.create({ uses: 0 })).rejects.toMatchObject({ status: 400 })
    await expect(cafe.tokens.create({ uses: 1.5 })).rejects.toMatchObject({ status: 400 })
    await expect(cafe.tokens.revoke('0123456789abcdef')).rejects.toMatchObject({ status: 404 })
    await expect(cafe.tokens.revoke('../accounts')).rejects.toMatchObject({ status: 404 })
  })
})
