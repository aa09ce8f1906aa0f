import { generateKeyPair } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { CafeClient, HttpTransport, MemorySessionStore } from '../../src/client/index.ts'
import { createTestCafe, type TestCafe } from './fixtures.ts'

const DAY = 24 * 60 * 60 * 1000

async function registeredClient (cafe: TestCafe, autoSignIn?: boolean): Promise<CafeClient> {
  const transport = new HttpTransport('http://cafe.test', { fetch: async request => cafe.http.fetch(request, { remote: 'renewal' }) })
  const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport, store: new MemorySessionStore(), clock: cafe.now, autoSignIn })
  await client.register((await cafe.owner.createToken({ uses: 1 })).token)
  return client
}

describe('a session that outlives its refresh token', () => {
  it('signs in again with the account key when the refresh token has run out', async () => {
    const cafe = await createTestCafe()
    const client = await registeredClient(cafe)
    const before = await client.session()
    cafe.advance(31 * DAY)
    expect((await client.whoami()).account).toBe(client.account)
    const after = await client.session()
    expect(after?.refreshToken).not.toBe(before?.refreshToken)
    expect(after?.refreshExpiresAt).toBeGreaterThan(cafe.now())
  })

  it('does not sign in again when the app turned it off', async () => {
    const cafe = await createTestCafe()
    const client = await registeredClient(cafe, false)
    cafe.advance(31 * DAY)
    await expect(client.whoami()).rejects.toMatchObject({ status: 401 })
    expect(await client.session()).toBeUndefined()
  })

  it('a client the owner removed stays out: signing in again needs a token', async () => {
    const cafe = await createTestCafe()
    const client = await registeredClient(cafe)
    await cafe.owner.removeClient(client.account)
    cafe.advance(31 * DAY)
    await expect(client.whoami()).rejects.toMatchObject({ status: 401, code: 'TOKEN_REQUIRED' })
    expect(await cafe.services.accounts.isRegistered(client.account)).toBe(false)
  })
})
