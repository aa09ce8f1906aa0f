/** The client flow both transports must pass: register, call, refresh, deregister, 401. */
import { expect } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { CafeClient, MemorySessionStore } from '../../src/client/index.ts'
import type { CafeTransport } from '../../src/client/index.ts'
import type { TestCafe } from './fixtures.ts'

export async function registerRefreshDeregister (cafe: TestCafe, transport: CafeTransport): Promise<void> {
  const store = new MemorySessionStore()
  const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport, store, clock: cafe.now })

  const info = await client.info()
  expect(info).toMatchObject({ peerId: cafe.peerId, registration: 'token', protocol: '/cafe/api/1.0.0' })

  const { token } = await cafe.owner.createToken({ label: 'integration', uses: 1 })
  const registered = await client.register(token)
  expect(registered).toMatchObject({ account: client.account, registered: true })
  expect((await client.whoami()).account).toBe(client.account)
  expect((await cafe.owner.listClients()).map(c => c.account)).toEqual([client.account])

  // an hour later the access token has run out: the client refreshes on its own
  const before = await client.session()
  cafe.advance(3600_000)
  expect((await client.whoami()).account).toBe(client.account)
  const after = await client.session()
  expect(after?.refreshToken).not.toBe(before?.refreshToken)
  expect(after?.accessExpiresAt).toBeGreaterThan(cafe.now())

  await client.deregister()
  expect(await cafe.services.accounts.isRegistered(client.account)).toBe(false)
  expect(await client.session()).toBeUndefined()

  // the old access token is dead at once
  await expect(transport.request('account.get', {}, after!.accessToken)).rejects.toMatchObject({ status: 401, code: 'SESSION_REVOKED' })
  await expect(client.whoami()).rejects.toMatchObject({ status: 401 })
  // signing in again needs a token now
  await expect(client.signIn()).rejects.toMatchObject({ status: 401, code: 'TOKEN_REQUIRED' })
}
