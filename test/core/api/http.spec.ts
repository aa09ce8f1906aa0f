import { describe, it, expect, beforeEach } from 'vitest'
import { createAccount, sign } from '../accounts/fixtures.ts'
import { createApiFixture, request, OWNER_SECRET } from './fixtures.ts'
import type { Account } from '../accounts/fixtures.ts'
import type { ApiFixture } from './fixtures.ts'

async function registerOverHttp (f: ApiFixture, account: Account, token?: string, remote?: string): Promise<{ status: number, body: any }> {
  const challenge = await request(f.http, '/api/v0/sessions/challenge', { method: 'POST' })
  const signature = await sign(account, f.cafe.peerId, challenge.body.nonce)
  return request(f.http, '/api/v0/sessions', { method: 'POST', body: { account: account.id, nonce: challenge.body.nonce, signature, token }, remote })
}

async function ownerToken (f: ApiFixture): Promise<string> {
  return (await request(f.http, '/api/v0/tokens', { method: 'POST', bearer: OWNER_SECRET, body: {} })).body.token
}

describe('HTTP API: client routes', () => {
  let f: ApiFixture
  let alice: Account
  beforeEach(async () => {
    f = await createApiFixture()
    alice = await createAccount()
  })

  it('GET /api/v0/cafe describes the cafe', async () => {
    const { status, body, headers } = await request(f.http, '/api/v0/cafe')
    expect(status).toBe(200)
    expect(headers.get('content-type')).toMatch(/^application\/json/)
    expect(body).toEqual({
      peerId: f.cafe.peerId,
      addresses: [`/ip4/127.0.0.1/tcp/4001/p2p/${f.cafe.peerId}`],
      version: '0.1.0-test',
      protocol: '/cafe/api/1.0.0',
      registration: 'token'
    })
  })

  it('POST /api/v0/sessions/challenge gives a nonce for this cafe', async () => {
    const { status, body } = await request(f.http, '/api/v0/sessions/challenge', { method: 'POST' })
    expect(status).toBe(200)
    expect(body).toMatchObject({ cafe: f.cafe.peerId, nonce: expect.stringMatching(/^[\w-]{43}$/), expiresAt: f.cafe.now() + 120_000 })
  })

  it('POST /api/v0/sessions registers with a token, then GET /api/v0/account shows the account', async () => {
    const { status, body } = await registerOverHttp(f, alice, await ownerToken(f))
    expect(status).toBe(200)
    expect(body).toMatchObject({ account: alice.id, registered: true, accessToken: expect.any(String), refreshToken: expect.any(String) })
    const me = await request(f.http, '/api/v0/account', { bearer: body.accessToken })
    expect(me.status).toBe(200)
    expect(me.body).toMatchObject({ account: alice.id, registeredAt: f.cafe.now(), usage: {}, quota: { storageBytes: 1024 ** 3 } })
  })

  it('POST /api/v0/sessions without a token on a token-only cafe is 401', async () => {
    const { status, body } = await registerOverHttp(f, alice)
    expect(status).toBe(401)
    expect(body).toEqual({ error: { code: 'TOKEN_REQUIRED', message: expect.any(String) } })
  })

  it('POST /api/v0/sessions with missing fields is 400', async () => {
    const { status, body } = await request(f.http, '/api/v0/sessions', { method: 'POST', body: { account: alice.id } })
    expect(status).toBe(400)
    expect(body.error.code).toBe('INPUT_INVALID')
    expect(body.error.message).toMatch(/nonce/)
  })

  it('GET /api/v0/account without a session, or with a refresh token, is 401', async () => {
    const { body: session } = await registerOverHttp(f, alice, await ownerToken(f))
    expect((await request(f.http, '/api/v0/account')).body.error.code).toBe('SESSION_MISSING')
    const refreshAsAccess = await request(f.http, '/api/v0/account', { bearer: session.refreshToken })
    expect(refreshAsAccess.status).toBe(401)
    expect(refreshAsAccess.body.error.code).toBe('SESSION_INVALID')
    expect((await request(f.http, '/api/v0/account', { headers: { authorization: 'Basic abc' } })).status).toBe(401)
  })

  it('POST /api/v0/sessions/refresh takes the refresh token and rotates it', async () => {
    const { body: session } = await registerOverHttp(f, alice, await ownerToken(f))
    const refreshed = await request(f.http, '/api/v0/sessions/refresh', { method: 'POST', bearer: session.refreshToken })
    expect(refreshed.status).toBe(200)
    expect(refreshed.body.refreshToken).not.toBe(session.refreshToken)
    expect((await request(f.http, '/api/v0/account', { bearer: refreshed.body.accessToken })).status).toBe(200)
    const reused = await request(f.http, '/api/v0/sessions/refresh', { method: 'POST', bearer: session.refreshToken })
    expect(reused.status).toBe(401)
    expect(reused.body.error.code).toBe('REFRESH_REUSED')
    expect((await request(f.http, '/api/v0/sessions/refresh', { method: 'POST', bearer: session.accessToken })).status).toBe(401)
    expect((await request(f.http, '/api/v0/sessions/refresh', { method: 'POST' })).body.error.code).toBe('SESSION_MISSING')
  })

  it('DELETE /api/v0/sessions deregisters: the next call is 401', async () => {
    const { body: session } = await registerOverHttp(f, alice, await ownerToken(f))
    const deleted = await request(f.http, '/api/v0/sessions', { method: 'DELETE', bearer: session.accessToken })
    expect(deleted.status).toBe(204)
    expect(deleted.body).toBeUndefined()
    expect(await f.cafe.accounts.isRegistered(alice.id)).toBe(false)
    const after = await request(f.http, '/api/v0/account', { bearer: session.accessToken })
    expect(after.status).toBe(401)
    expect(after.body.error.code).toBe('SESSION_REVOKED')
  })

  it('one account cannot read or remove another\'s record', async () => {
    const bob = await createAccount()
    const { body: a } = await registerOverHttp(f, alice, await ownerToken(f))
    await registerOverHttp(f, bob, await ownerToken(f))
    const me = await request(f.http, `/api/v0/account?account=${bob.id}`, { bearer: a.accessToken })
    expect(me.body.account).toBe(alice.id)
    await request(f.http, '/api/v0/sessions', { method: 'DELETE', bearer: a.accessToken, body: { account: bob.id } })
    expect(await f.cafe.accounts.isRegistered(bob.id)).toBe(true)
    expect(await f.cafe.accounts.isRegistered(alice.id)).toBe(false)
  })

  it('a client\'s session does not open owner routes', async () => {
    const { body: a } = await registerOverHttp(f, alice, await ownerToken(f))
    for (const [method, path] of [['GET', '/api/v0/clients'], ['POST', '/api/v0/tokens'], [`DELETE`, `/api/v0/clients/${alice.id}`]]) {
      const res = await request(f.http, path, { method, bearer: a.accessToken, body: method === 'GET' ? undefined : {} })
      expect(res.status).toBe(401)
      expect(res.body.error.code).toBe('OWNER_SECRET_INVALID')
    }
    expect(await f.cafe.accounts.isRegistered(alice.id)).toBe(true)
  })

  it('repeated failed registrations from one client get 429 with Retry-After', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await registerOverHttp(f, alice, 'wrong-token', 'client-1')).status)
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429])
    const limited = await registerOverHttp(f, alice, await ownerToken(f), 'client-1')
    expect(limited.status).toBe(429)
    expect(limited.body.error.code).toBe('TOO_MANY_FAILURES')
    const res = await request(f.http, '/api/v0/sessions', { method: 'POST', body: { account: alice.id, nonce: 'x', signature: 'y' }, remote: 'client-1' })
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
    expect((await registerOverHttp(f, alice, await ownerToken(f), 'client-2')).status).toBe(200)
  })

  it('a flood of requests from one client gets 429', async () => {
    const statuses = new Set<number>()
    for (let i = 0; i < 70; i++) statuses.add((await request(f.http, '/api/v0/cafe', { remote: 'flood' })).status)
    expect([...statuses].sort()).toEqual([200, 429])
    expect((await request(f.http, '/api/v0/cafe', { remote: 'calm' })).status).toBe(200)
  })
})

describe('HTTP API: owner routes', () => {
  let f: ApiFixture
  let alice: Account
  beforeEach(async () => {
    f = await createApiFixture()
    alice = await createAccount()
  })

  const owner = { bearer: OWNER_SECRET }

  it('POST /api/v0/tokens creates a token shown once; GET lists it without the secret; DELETE revokes it', async () => {
    const created = await request(f.http, '/api/v0/tokens', { ...owner, method: 'POST', body: { label: 'for alice', uses: 2, expiresAt: f.cafe.now() + 86_400_000 } })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ label: 'for alice', usesLeft: 2, token: expect.stringMatching(/^[\w-]{43}$/) })
    const listed = await request(f.http, '/api/v0/tokens', owner)
    expect(listed.body).toHaveLength(1)
    expect(listed.body[0].token).toBeUndefined()
    expect(listed.body[0].hash).toBeUndefined()
    expect((await request(f.http, `/api/v0/tokens/${created.body.id}`, { ...owner, method: 'DELETE' })).status).toBe(204)
    expect((await request(f.http, `/api/v0/tokens/${created.body.id}`, { ...owner, method: 'DELETE' })).status).toBe(404)
    expect((await registerOverHttp(f, alice, created.body.token)).body.error.code).toBe('TOKEN_INVALID')
  })

  it('POST /api/v0/tokens refuses bad input', async () => {
    for (const body of [{ uses: 0 }, { uses: 'many' }, { expiresAt: -5 }, { label: 'x'.repeat(300) }]) {
      expect((await request(f.http, '/api/v0/tokens', { ...owner, method: 'POST', body })).status).toBe(400)
    }
  })

  it('owner routes without the secret, or with a wrong one, are 401', async () => {
    expect((await request(f.http, '/api/v0/tokens', { method: 'POST', body: {} })).status).toBe(401)
    expect((await request(f.http, '/api/v0/tokens', { method: 'POST', body: {}, bearer: OWNER_SECRET + 'x' })).status).toBe(401)
    expect((await request(f.http, '/api/v0/tokens', { method: 'POST', body: {}, bearer: OWNER_SECRET.slice(0, -1) })).status).toBe(401)
    expect(await f.cafe.tokens.list()).toEqual([])
  })

  it('with no owner secret configured, owner routes do not exist (404), so a page served by the cafe cannot create a token', async () => {
    for (const bearer of [undefined, OWNER_SECRET, '']) {
      const res = await request(f.httpNoOwner, '/api/v0/tokens', { method: 'POST', body: {}, bearer })
      expect(res.status).toBe(404)
    }
    expect((await request(f.httpNoOwner, '/api/v0/clients')).status).toBe(404)
    expect((await request(f.httpNoOwner, '/api/v0/quota', { method: 'PUT', body: {} })).status).toBe(404)
    expect(await f.cafe.tokens.list()).toEqual([])
    expect((await request(f.httpNoOwner, '/api/v0/cafe')).status).toBe(200)
  })

  it('GET /api/v0/clients lists clients; DELETE /api/v0/clients/:peer removes one and ends its sessions', async () => {
    const { body: session } = await registerOverHttp(f, alice, await ownerToken(f))
    const clients = await request(f.http, '/api/v0/clients', owner)
    expect(clients.body).toEqual([expect.objectContaining({ account: alice.id, quotaOverride: null, usage: {} })])
    expect((await request(f.http, `/api/v0/clients/${alice.id}`, { ...owner, method: 'DELETE' })).status).toBe(204)
    expect((await request(f.http, '/api/v0/clients', owner)).body).toEqual([])
    expect((await request(f.http, '/api/v0/account', { bearer: session.accessToken })).status).toBe(401)
    expect((await request(f.http, `/api/v0/clients/${alice.id}`, { ...owner, method: 'DELETE' })).status).toBe(404)
    expect((await request(f.http, '/api/v0/clients/not-a-peer', { ...owner, method: 'DELETE' })).status).toBe(400)
  })

  it('GET/PUT /api/v0/quota and PUT/DELETE /api/v0/clients/:peer/quota set default and per-client quotas', async () => {
    const { body: session } = await registerOverHttp(f, alice, await ownerToken(f))
    const small = { storageBytes: 100, inboxMessages: 2, inboxBytes: 300 }
    const big = { storageBytes: 5000, inboxMessages: 20, inboxBytes: 3000 }
    expect((await request(f.http, '/api/v0/quota', { ...owner, method: 'PUT', body: small })).body).toEqual(small)
    expect((await request(f.http, '/api/v0/quota', owner)).body).toEqual(small)
    expect((await request(f.http, '/api/v0/account', { bearer: session.accessToken })).body.quota).toEqual(small)
    const set = await request(f.http, `/api/v0/clients/${alice.id}/quota`, { ...owner, method: 'PUT', body: big })
    expect(set.body).toMatchObject({ account: alice.id, quota: big, quotaOverride: big })
    expect(await f.cafe.accounts.quotaOf(alice.id)).toEqual(big)
    const reset = await request(f.http, `/api/v0/clients/${alice.id}/quota`, { ...owner, method: 'DELETE' })
    expect(reset.body).toMatchObject({ quota: small, quotaOverride: null })
    expect((await request(f.http, '/api/v0/quota', { ...owner, method: 'PUT', body: { storageBytes: 1 } })).status).toBe(400)
    expect((await request(f.http, `/api/v0/clients/${(await createAccount()).id}/quota`, { ...owner, method: 'PUT', body: big })).status).toBe(404)
  })
})

describe('HTTP API: malformed requests', () => {
  let f: ApiFixture
  beforeEach(async () => { f = await createApiFixture() })

  it('malformed JSON is 400 JSON_INVALID', async () => {
    for (const body of ['{"account":', '[1,2]', '"text"', 'null']) {
      const res = await request(f.http, '/api/v0/sessions', { method: 'POST', body })
      expect(res.status).toBe(400)
      expect(res.body.error.code).toBe('JSON_INVALID')
    }
  })

  it('a body over the limit is 413, whether declared or streamed', async () => {
    const big = JSON.stringify({ account: 'x'.repeat(20_000) })
    const declared = await request(f.http, '/api/v0/sessions', { method: 'POST', body: big })
    expect(declared.status).toBe(413)
    expect(declared.body.error.code).toBe('PAYLOAD_TOO_LARGE')
    let pulled = 0
    const stream = new ReadableStream<Uint8Array>({
      pull (controller) {
        pulled++
        controller.enqueue(new Uint8Array(8 * 1024).fill(32))
        if (pulled > 1000) controller.close()
      }
    })
    const res = await f.http.fetch(new Request('http://cafe.test/api/v0/sessions', { method: 'POST', body: stream, duplex: 'half' } as RequestInit))
    expect(res.status).toBe(413)
    expect(pulled).toBeLessThan(10)
  })

  it('an unknown route is 404 and a wrong method is 405 with Allow', async () => {
    const unknown = await request(f.http, '/api/v0/nothing')
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.code).toBe('NOT_FOUND')
    const wrong = await request(f.http, '/api/v0/sessions/challenge')
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('POST')
    expect(wrong.body.error.code).toBe('METHOD_NOT_ALLOWED')
    const sessions = await request(f.http, '/api/v0/sessions', { method: 'PUT', body: {} })
    expect(sessions.headers.get('allow')).toBe('POST, DELETE')
  })

  it('odd paths and headers get an error answer, never an exception', async () => {
    const cases: Array<[string, RequestInit]> = [
      ['/api/v0/tokens/%E0%A4%A', { method: 'DELETE', headers: { authorization: `Bearer ${OWNER_SECRET}` } }],
      ['/api/v0/account', { headers: { authorization: 'Bearer ' + 'a.'.repeat(3000) } }],
      ['/api/v0/sessions', { method: 'POST', body: new Uint8Array([0xff, 0xfe, 0x00]) }],
      ['/api/v0/sessions', { method: 'POST', body: '{"account":{"toString":1},"nonce":[],"signature":null}' }]
    ]
    for (const [path, init] of cases) {
      const res = await f.http.fetch(new Request(`http://cafe.test${path}`, init))
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
      expect((await res.json()).error.code).toEqual(expect.any(String))
    }
  })
})
