import { describe, it, expect, beforeEach } from 'vitest'
import { defaultLogger } from '@libp2p/logger'
import { createAccount, registered } from '../accounts/fixtures.ts'
import { createApiFixture } from './fixtures.ts'
import { createCafeApi, createOwnerApi, defineRoute } from '../../../src/core/api/index.ts'
import { cafeRoutes } from '../../../src/core/routes.ts'
import type { ApiFixture } from './fixtures.ts'
import type { OwnerApi } from '../../../src/core/api/index.ts'

describe('route table and owner operations', () => {
  let f: ApiFixture
  let owner: OwnerApi
  beforeEach(async () => {
    f = await createApiFixture()
    owner = createOwnerApi(f.api)
  })

  it('every route has a unique op and a unique method + path', () => {
    const ops = cafeRoutes.map(route => route.op)
    const paths = cafeRoutes.map(route => `${route.method} ${route.path}`)
    expect(new Set(ops).size).toBe(ops.length)
    expect(new Set(paths).size).toBe(paths.length)
    expect(() => createCafeApi({ services: {} as any, routes: [...cafeRoutes, cafeRoutes[0]], logger: defaultLogger() })).toThrow(/duplicate/)
  })

  it('owner operations are hidden from callers who are not the owner', async () => {
    await expect(f.api.call({ op: 'tokens.create', input: {} })).rejects.toMatchObject({ status: 404 })
    await expect(f.api.call({ op: 'tokens.create', input: {}, owner: false })).rejects.toMatchObject({ status: 404 })
    expect(await f.cafe.tokens.list()).toEqual([])
  })

  it('input must be a JSON object', async () => {
    for (const input of [[], 'x', 5]) {
      await expect(f.api.call({ op: 'sessions.challenge', input })).rejects.toMatchObject({ status: 400, code: 'INPUT_INVALID' })
    }
  })

  it('the owner API creates, lists and revokes tokens, with the same checks as HTTP', async () => {
    const created = await owner.createToken({ label: 'console', uses: 1 })
    expect(created.token).toMatch(/^[\w-]{43}$/)
    expect((await owner.listTokens()).map(t => t.label)).toEqual(['console'])
    await expect(owner.createToken({ uses: 0 })).rejects.toMatchObject({ status: 400 })
    await owner.revokeToken(created.id)
    expect(await owner.listTokens()).toEqual([])
    await expect(owner.revokeToken(created.id)).rejects.toMatchObject({ status: 404 })
  })

  it('the owner API lists and removes clients and sets quotas', async () => {
    const alice = await createAccount()
    await registered(f.cafe, alice)
    const quota = { storageBytes: 1, inboxMessages: 2, inboxBytes: 3 }
    expect(await owner.setDefaultQuota(quota)).toEqual(quota)
    expect(await owner.getDefaultQuota()).toEqual(quota)
    const big = { storageBytes: 10, inboxMessages: 20, inboxBytes: 30 }
    expect((await owner.setClientQuota(alice.id, big)).quota).toEqual(big)
    expect((await owner.resetClientQuota(alice.id)).quota).toEqual(quota)
    await expect(owner.setClientQuota(alice.id, { ...big, storageBytes: -1 })).rejects.toMatchObject({ status: 400 })
    expect((await owner.listClients()).map(c => c.account)).toEqual([alice.id])
    await owner.removeClient(alice.id)
    expect(await owner.listClients()).toEqual([])
  })

  it('a feature adds a route with one entry, served with the same auth rules', async () => {
    const echo = defineRoute({
      op: 'test.echo',
      method: 'POST',
      path: '/api/v0/test/echo',
      auth: 'access',
      summary: 'echo',
      input: raw => ({ text: String(raw.text) }),
      handler: async ({ input, account }) => ({ text: input.text, account })
    })
    const api = createCafeApi({ services: f.services, routes: [...cafeRoutes, echo], logger: defaultLogger() })
    const alice = await createAccount()
    const session = await registered(f.cafe, alice)
    expect(await api.call({ op: 'test.echo', input: { text: 'hi' }, auth: session.accessToken })).toEqual({ text: 'hi', account: alice.id })
    await expect(api.call({ op: 'test.echo', input: { text: 'hi' } })).rejects.toMatchObject({ status: 401 })
  })
})
