import { generateKeyPair } from '@libp2p/crypto/keys'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BadRequestError, CafeBackup, CafeClient, CafeError, HttpTransport, InvalidCIDError, Libp2pTransport, MemorySessionStore,
  NotFoundError, PayloadTooLargeError, QuotaExceededError, RateLimitedError, StorageCorruptError, UnauthorizedError, cafeErrorFrom, packCar
} from '../../src/client/index.ts'
import { createLibp2pCafe, type Libp2pCafe, type TestCafe } from './fixtures.ts'
import type { CafeTransport } from '../../src/client/index.ts'

type Door = 'http' | 'libp2p'

describe('a client gets the cafe\'s error classes over both doors', () => {
  let net: Libp2pCafe
  let cafe: TestCafe

  beforeAll(async () => {
    net = await createLibp2pCafe({ storage: true })
    cafe = net.cafe
  })
  afterAll(async () => { await net?.stop() })

  function transport (door: Door): CafeTransport {
    return door === 'http'
      ? new HttpTransport('http://cafe.test', { fetch: async request => cafe.http.fetch(request, { remote: 'test' }) })
      // the client may send more than the cafe takes, so the cafe's own limit answers
      : new Libp2pTransport(net.clientNode, net.address, { maxMessageBytes: 4 * 1024 * 1024 })
  }

  async function registered (door: Door): Promise<{ client: CafeClient, backup: CafeBackup }> {
    const key = await generateKeyPair('Ed25519')
    const client = new CafeClient({ privateKey: key, transport: transport(door), store: new MemorySessionStore(), clock: cafe.now })
    await client.register((await cafe.owner.createToken({ uses: 1 })).token)
    return { client, backup: new CafeBackup(client, key) }
  }

  describe.each(['http', 'libp2p'] as const)('over %s', (door) => {
    it('an upload over quota throws QuotaExceededError (413 QUOTA_EXCEEDED)', async () => {
      const { client, backup } = await registered(door)
      await cafe.owner.setClientQuota(client.account, { storageBytes: 50_000, inboxMessages: 10, inboxBytes: 10_000 })
      const { car } = await packCar([{ path: 'big.bin', content: new Uint8Array(200_000).fill(3) }])
      const err = await backup.uploadCar(car).catch((err: unknown) => err)
      expect(err).toBeInstanceOf(QuotaExceededError)
      expect(err).toBeInstanceOf(PayloadTooLargeError)
      expect(err).toMatchObject({ name: 'QuotaExceededError', code: 'QUOTA_EXCEEDED', status: 413 })
    })

    it('a request over the body limit throws PayloadTooLargeError (413)', async () => {
      const { backup } = await registered(door)
      const err = await backup.saveSnapshot('thread-big', { metadata: { blob: 'x'.repeat(1536 * 1024) } }).catch((err: unknown) => err)
      expect(err).toBeInstanceOf(PayloadTooLargeError)
      expect(err).toMatchObject({ name: 'PayloadTooLargeError', status: 413 })
      // the HTTP door refuses the body, the libp2p door the request frame
      expect((err as CafeError).code).toBe(door === 'http' ? 'PAYLOAD_TOO_LARGE' : 'MESSAGE_TOO_LARGE')
    })

    it('a pin of a malformed CID throws InvalidCIDError (400 CID_INVALID)', async () => {
      const { backup } = await registered(door)
      const err = await backup.pin({ cid: 'not-a-cid' }).catch((err: unknown) => err)
      expect(err).toBeInstanceOf(InvalidCIDError)
      expect(err).toBeInstanceOf(BadRequestError)
      expect(err).toMatchObject({ name: 'InvalidCIDError', code: 'CID_INVALID', status: 400 })
    })

    it('a wrong access token throws UnauthorizedError, an unknown pin NotFoundError', async () => {
      const stranger = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: transport(door), store: new MemorySessionStore(), clock: cafe.now })
      await expect(stranger.register('wrong')).rejects.toMatchObject({ name: 'UnauthorizedError', code: 'TOKEN_INVALID', status: 401 })
      const { backup } = await registered(door)
      const err = await backup.pinStatus('0123456789abcdef0123456789abcdef').catch((err: unknown) => err)
      expect(err).toBeInstanceOf(NotFoundError)
      expect(err).toMatchObject({ name: 'NotFoundError', status: 404 })
    })
  })
})

describe('cafeErrorFrom', () => {
  it('rebuilds a class by code, else by status, and keeps an unknown code', () => {
    expect(cafeErrorFrom({ code: 'STORAGE_CORRUPT', message: 'm' }, 500)).toBeInstanceOf(StorageCorruptError)
    expect(cafeErrorFrom({ code: 'SESSION_REVOKED', message: 'm' }, 401)).toBeInstanceOf(UnauthorizedError)
    expect(cafeErrorFrom({ code: 'TOO_MANY_FAILURES', message: 'm' }, 429, 7)).toMatchObject({ name: 'RateLimitedError', retryAfterSeconds: 7 })
    expect(cafeErrorFrom({ code: 'RATE_LIMITED', message: 'm' }, 429)).toBeInstanceOf(RateLimitedError)
    const future = cafeErrorFrom({ code: 'SOMETHING_NEW', message: 'm' }, 409)
    expect(future).toMatchObject({ name: 'ConflictError', code: 'SOMETHING_NEW', status: 409 })
    // a code sent with a status its class does not have stays a plain CafeError with that status
    expect(cafeErrorFrom({ code: 'QUOTA_EXCEEDED', message: 'm' }, 409)).toMatchObject({ name: 'CafeError', status: 409 })
    expect(cafeErrorFrom(undefined, 502)).toMatchObject({ name: 'CafeError', code: 'RESPONSE_INVALID', status: 502 })
  })
})
