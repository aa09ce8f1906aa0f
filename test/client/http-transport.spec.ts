import { describe, it, expect, beforeEach } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { CafeClient, CafeSet, HttpTransport, MemorySessionStore } from '../../src/client/index.ts'
import { createTestCafe } from './fixtures.ts'
import { registerRefreshDeregister } from './flow.ts'
import type { TestCafe } from './fixtures.ts'

function transportTo (cafe: TestCafe, onRequest?: (request: Request) => void): HttpTransport {
  return new HttpTransport('http://cafe.test/', {
    fetch: async request => {
      onRequest?.(request)
      return cafe.http.fetch(request)
    }
  })
}

describe('CafeClient over HTTP', () => {
  let cafe: TestCafe
  beforeEach(async () => { cafe = await createTestCafe() })

  it('registers with a token, calls, refreshes by itself, deregisters, and then gets 401', async () => {
    await registerRefreshDeregister(cafe, transportTo(cafe))
  })

  it('refreshes shortly before expiry, not after every call', async () => {
    const seen: string[] = []
    const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: transportTo(cafe, r => seen.push(new URL(r.url).pathname)), clock: cafe.now })
    await client.register((await cafe.owner.createToken()).token)
    seen.length = 0
    await client.whoami()
    cafe.advance(3600_000 - 61_000)
    await client.whoami()
    expect(seen).toEqual(['/api/v0/account', '/api/v0/account'])
    cafe.advance(2_000)
    await client.whoami()
    expect(seen.slice(2)).toEqual(['/api/v0/sessions/refresh', '/api/v0/account'])
  })

  it('when the cafe says the session expired before the client expected, it refreshes once and retries', async () => {
    const seen: string[] = []
    const frozen = cafe.now()
    const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: transportTo(cafe, r => seen.push(new URL(r.url).pathname)), clock: () => frozen })
    await client.register((await cafe.owner.createToken()).token)
    cafe.advance(3600_000)
    seen.length = 0
    expect((await client.whoami()).account).toBe(client.account)
    expect(seen).toEqual(['/api/v0/account', '/api/v0/sessions/refresh', '/api/v0/account'])
  })

  it('concurrent calls with an expired session refresh once and the session survives', async () => {
    const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: transportTo(cafe), clock: cafe.now })
    await client.register((await cafe.owner.createToken()).token)
    cafe.advance(3600_000)
    const results = await Promise.all([client.whoami(), client.whoami(), client.whoami()])
    expect(results.map(r => r.account)).toEqual([client.account, client.account, client.account])
    expect((await client.whoami()).account).toBe(client.account)
  })

  it('a second device signs in without a token; both stay signed in', async () => {
    const privateKey = await generateKeyPair('Ed25519')
    const phone = new CafeClient({ privateKey, transport: transportTo(cafe), clock: cafe.now })
    const laptop = new CafeClient({ privateKey, transport: transportTo(cafe), clock: cafe.now })
    await phone.register((await cafe.owner.createToken()).token)
    expect(await laptop.signIn()).toMatchObject({ registered: false })
    expect((await phone.whoami()).account).toBe((await laptop.whoami()).account)
  })

  it('errors carry the cafe\'s code and status', async () => {
    const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: transportTo(cafe), clock: cafe.now })
    await expect(client.register('wrong')).rejects.toMatchObject({ name: 'UnauthorizedError', code: 'TOKEN_INVALID', status: 401 })
    await expect(client.whoami()).rejects.toMatchObject({ code: 'SESSION_MISSING', status: 401 })
  })

  it('a client refuses to sign a challenge that names another cafe', async () => {
    const other = await createTestCafe()
    const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: transportTo(other), cafe: cafe.peerId })
    await expect(client.register((await other.owner.createToken()).token)).rejects.toMatchObject({ code: 'CHALLENGE_FOREIGN' })
    expect(await other.services.accounts.isRegistered(client.account)).toBe(false)
  })

  it('one account registers with several cafes at once and migrates from one to another', async () => {
    const second = await createTestCafe()
    const store = new MemorySessionStore()
    const cafes = new CafeSet({ privateKey: await generateKeyPair('Ed25519'), store })
    const a = cafes.add('a', transportTo(cafe))
    const b = cafes.add('b', transportTo(second))
    await a.register((await cafe.owner.createToken()).token)
    await b.register((await second.owner.createToken()).token)
    expect((await a.whoami()).account).toBe((await b.whoami()).account)
    expect((await a.session())?.cafe).toBe(cafe.peerId)
    expect((await b.session())?.cafe).toBe(second.peerId)
    await a.deregister()
    cafes.remove('a')
    expect(cafes.entries().map(([name]) => name)).toEqual(['b'])
    expect(await cafe.services.accounts.isRegistered(b.account)).toBe(false)
    expect(await second.services.accounts.isRegistered(b.account)).toBe(true)
  })

  it('an unknown operation is a 404 without a request', async () => {
    let requests = 0
    const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: transportTo(cafe, () => { requests++ }), clock: cafe.now })
    await client.register((await cafe.owner.createToken()).token)
    requests = 0
    await expect(client.call('nothing.here')).rejects.toMatchObject({ status: 404 })
    expect(requests).toBe(0)
  })
})
