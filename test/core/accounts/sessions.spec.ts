import { describe, it, expect, beforeEach } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { SignJWT, importJWK } from 'jose'
import { toString } from 'uint8arrays/to-string'
import { createCafe, createAccount, registered, startSession } from './fixtures.ts'
import type { Cafe, Account } from './fixtures.ts'
import type { PrivateKey } from '@libp2p/interface'
import type { JWTPayload } from 'jose'

const b64 = (bytes: Uint8Array): string => toString(bytes, 'base64url')

async function forge (key: PrivateKey, payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  const jwk = await importJWK({ kty: 'OKP', crv: 'Ed25519', d: b64(key.raw.subarray(0, 32)), x: b64(key.publicKey.raw) }, 'EdDSA')
  return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', ...header }).sign(jwk)
}

function claimsOf (jwt: string): JWTPayload {
  return JSON.parse(new TextDecoder().decode(Buffer.from(jwt.split('.')[1], 'base64url')))
}

describe('sessions', () => {
  let cafe: Cafe
  let alice: Account
  let session: Awaited<ReturnType<typeof registered>>
  let good: JWTPayload

  beforeEach(async () => {
    cafe = await createCafe()
    alice = await createAccount()
    session = await registered(cafe, alice)
    good = claimsOf(session.accessToken)
  })

  it('an access token carries iss = aud = cafe, sub = account and lasts an hour', async () => {
    expect(good).toMatchObject({ iss: cafe.peerId, aud: cafe.peerId, sub: alice.id, typ: 'access' })
    expect(typeof good.jti).toBe('string')
    expect(good.exp! - good.iat!).toBe(3600)
    expect(claimsOf(session.refreshToken).exp! - good.iat!).toBe(30 * 24 * 3600)
    expect(await cafe.accounts.authenticate(session.accessToken)).toMatchObject({ account: alice.id })
  })

  it('lifetimes are configurable', async () => {
    const short = await createCafe({ accessTtlSeconds: 60, refreshTtlSeconds: 600 })
    const s = await registered(short, await createAccount())
    expect(s.accessExpiresAt - short.now()).toBe(60_000)
    expect(s.refreshExpiresAt - short.now()).toBe(600_000)
  })

  it('a token re-signed by the cafe key with the same claims is accepted (control for the forgeries below)', async () => {
    expect(await cafe.accounts.authenticate(await forge(cafe.key, good))).toMatchObject({ account: alice.id })
  })

  it('a missing token is refused', async () => {
    await expect(cafe.accounts.authenticate(undefined)).rejects.toMatchObject({ status: 401, code: 'SESSION_MISSING' })
    await expect(cafe.accounts.authenticate('')).rejects.toMatchObject({ status: 401, code: 'SESSION_MISSING' })
  })

  it('a malformed token is refused', async () => {
    for (const bad of ['x', 'a.b.c', session.accessToken.slice(0, -3), 'x'.repeat(5000)]) {
      await expect(cafe.accounts.authenticate(bad)).rejects.toMatchObject({ status: 401, code: 'SESSION_INVALID' })
    }
  })

  it('an expired token is refused', async () => {
    cafe.advance(3600_000)
    await expect(cafe.accounts.authenticate(session.accessToken)).rejects.toMatchObject({ status: 401, code: 'SESSION_EXPIRED' })
  })

  it('a token that worked is refused once it expires', async () => {
    await cafe.accounts.authenticate(session.accessToken)
    cafe.advance(3600_000)
    await expect(cafe.accounts.authenticate(session.accessToken)).rejects.toMatchObject({ status: 401, code: 'SESSION_EXPIRED' })
  })

  it('a refresh token that just refreshed is still not an access token', async () => {
    await cafe.accounts.refresh(session.refreshToken)
    await expect(cafe.accounts.authenticate(session.refreshToken)).rejects.toMatchObject({ status: 401, code: 'SESSION_INVALID' })
  })

  it('a not-yet-valid token is refused', async () => {
    const jwt = await forge(cafe.key, { ...good, nbf: good.iat! + 600, exp: good.iat! + 1200 })
    await expect(cafe.accounts.authenticate(jwt)).rejects.toMatchObject({ status: 401, code: 'SESSION_INVALID' })
  })

  it('a token signed by another key is refused', async () => {
    const jwt = await forge(await generateKeyPair('Ed25519'), good)
    await expect(cafe.accounts.authenticate(jwt)).rejects.toMatchObject({ status: 401, code: 'SESSION_INVALID' })
  })

  it('an alg: none token is refused', async () => {
    const none = `${b64(new TextEncoder().encode('{"alg":"none","typ":"JWT"}'))}.${b64(new TextEncoder().encode(JSON.stringify(good)))}.`
    await expect(cafe.accounts.authenticate(none)).rejects.toMatchObject({ status: 401, code: 'SESSION_INVALID' })
  })

  it('a token for another audience or from another issuer is refused', async () => {
    const other = (await createAccount()).id
    await expect(cafe.accounts.authenticate(await forge(cafe.key, { ...good, aud: other }))).rejects.toMatchObject({ code: 'SESSION_INVALID' })
    await expect(cafe.accounts.authenticate(await forge(cafe.key, { ...good, iss: other }))).rejects.toMatchObject({ code: 'SESSION_INVALID' })
  })

  it('a token of the wrong type is refused', async () => {
    await expect(cafe.accounts.authenticate(await forge(cafe.key, { ...good, typ: 'id' }))).rejects.toMatchObject({ code: 'SESSION_INVALID' })
    const { typ, ...untyped } = good
    await expect(cafe.accounts.authenticate(await forge(cafe.key, untyped))).rejects.toMatchObject({ code: 'SESSION_INVALID' })
  })

  it('a refresh token is not accepted as an access token, nor an access token as a refresh token', async () => {
    await expect(cafe.accounts.authenticate(session.refreshToken)).rejects.toMatchObject({ status: 401, code: 'SESSION_INVALID' })
    await expect(cafe.accounts.refresh(session.accessToken)).rejects.toMatchObject({ status: 401, code: 'SESSION_INVALID' })
  })

  it('refresh rotates the refresh token and gives a working access token', async () => {
    cafe.advance(3600_000)
    const next = await cafe.accounts.refresh(session.refreshToken)
    expect(next.refreshToken).not.toBe(session.refreshToken)
    expect(claimsOf(next.refreshToken).fam).toBe(claimsOf(session.refreshToken).fam)
    expect(await cafe.accounts.authenticate(next.accessToken)).toMatchObject({ account: alice.id })
  })

  it('reusing a rotated refresh token ends the whole session family', async () => {
    const next = await cafe.accounts.refresh(session.refreshToken)
    await expect(cafe.accounts.refresh(session.refreshToken)).rejects.toMatchObject({ status: 401, code: 'REFRESH_REUSED' })
    await expect(cafe.accounts.refresh(next.refreshToken)).rejects.toMatchObject({ status: 401, code: 'SESSION_REVOKED' })
    await expect(cafe.accounts.authenticate(next.accessToken)).rejects.toMatchObject({ status: 401, code: 'SESSION_REVOKED' })
  })

  it('ending one family leaves the account\'s other devices signed in', async () => {
    const second = await startSession(cafe, alice)
    expect(second.registered).toBe(false)
    await cafe.accounts.refresh(session.refreshToken)
    await expect(cafe.accounts.refresh(session.refreshToken)).rejects.toMatchObject({ code: 'REFRESH_REUSED' })
    expect(await cafe.accounts.authenticate(second.accessToken)).toMatchObject({ account: alice.id })
  })

  it('an expired refresh token cannot refresh', async () => {
    cafe.advance(30 * 24 * 3600_000)
    await expect(cafe.accounts.refresh(session.refreshToken)).rejects.toMatchObject({ status: 401, code: 'SESSION_EXPIRED' })
  })

  it('a deregistered account\'s sessions stop working at once', async () => {
    await cafe.accounts.remove(alice.id)
    await expect(cafe.accounts.authenticate(session.accessToken)).rejects.toMatchObject({ status: 401, code: 'SESSION_REVOKED' })
    await expect(cafe.accounts.refresh(session.refreshToken)).rejects.toMatchObject({ status: 401, code: 'SESSION_REVOKED' })
  })

  it('old sessions stay dead after the account registers again', async () => {
    await cafe.accounts.remove(alice.id)
    await registered(cafe, alice)
    await expect(cafe.accounts.authenticate(session.accessToken)).rejects.toMatchObject({ code: 'SESSION_REVOKED' })
  })
})
