import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { CafeClient, Libp2pTransport } from '../../src/client/index.ts'
import { frameStream } from '../../src/core/api/stream.ts'
import { CAFE_PROTOCOL, registerCafeProtocol } from '../../src/core/api/index.ts'
import { createTestCafe, tcpNode } from './fixtures.ts'
import { registerRefreshDeregister } from './flow.ts'
import type { TestCafe } from './fixtures.ts'
import type { Libp2p } from '@libp2p/interface'

describe('CafeClient over libp2p (TCP on 127.0.0.1)', () => {
  let cafe: TestCafe
  let cafeNode: Libp2p
  let clientNode: Libp2p
  let stop: () => Promise<void>

  beforeAll(async () => {
    const key = await generateKeyPair('Ed25519')
    cafeNode = await tcpNode(key, ['/ip4/127.0.0.1/tcp/0'])
    cafe = await createTestCafe(key, () => cafeNode.getMultiaddrs().map(String))
    stop = await registerCafeProtocol(cafeNode, cafe.api, { logger: defaultLogger(), maxMessageBytes: 64 * 1024 })
    clientNode = await tcpNode()
  })

  afterAll(async () => {
    await stop?.()
    await clientNode?.stop()
    await cafeNode?.stop()
  })

  it('registers with a token, calls, refreshes by itself, deregisters, and then gets 401', async () => {
    const address = cafeNode.getMultiaddrs()[0]
    const transport = new Libp2pTransport(clientNode, address)
    expect(transport.cafe).toBe(cafe.peerId)
    await registerRefreshDeregister(cafe, transport)
  })

  it('the cafe describes its libp2p addresses', async () => {
    const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: new Libp2pTransport(clientNode, cafeNode.getMultiaddrs()[0]) })
    const info = await client.info()
    expect(info.addresses).toEqual(cafeNode.getMultiaddrs().map(String))
  })

  it('owner operations are not reachable over libp2p', async () => {
    const transport = new Libp2pTransport(clientNode, cafeNode.getMultiaddrs()[0])
    const before = (await cafe.owner.listTokens()).length
    await expect(transport.request('tokens.create', {}, undefined)).rejects.toMatchObject({ status: 404 })
    await expect(transport.request('clients.list', {}, undefined)).rejects.toMatchObject({ status: 404 })
    expect(await cafe.owner.listTokens()).toHaveLength(before)
  })

  it('an oversized frame gets a typed 413 error, a garbage frame a 400', async () => {
    const connection = await clientNode.dial(cafeNode.getMultiaddrs()[0])
    const ask = async (payload: Uint8Array): Promise<any> => {
      const stream = await connection.newStream(CAFE_PROTOCOL)
      const frames = frameStream(stream, 1024 * 1024)
      await frames.write(payload)
      const answer = JSON.parse(new TextDecoder().decode((await frames.read()).subarray()))
      await stream.close().catch(() => {})
      return answer
    }
    const big = await ask(new TextEncoder().encode(JSON.stringify({ op: 'cafe.info', input: { pad: 'x'.repeat(70 * 1024) } })))
    expect(big).toEqual({ ok: false, error: { code: 'MESSAGE_TOO_LARGE', message: expect.any(String), status: 413 } })
    const garbage = await ask(new Uint8Array([1, 2, 3]))
    expect(garbage).toMatchObject({ ok: false, error: { code: 'FRAME_INVALID', status: 400 } })
    const ok = await ask(new TextEncoder().encode(JSON.stringify({ op: 'cafe.info' })))
    expect(ok).toMatchObject({ ok: true, output: { peerId: cafe.peerId } })
  })

  it('failed registrations are rate limited by the remote peer id', async () => {
    const attacker = await tcpNode()
    const transport = new Libp2pTransport(attacker, cafeNode.getMultiaddrs()[0])
    const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport, clock: cafe.now })
    const codes: string[] = []
    for (let i = 0; i < 6; i++) codes.push(await client.register('wrong').then(() => 'ok', err => err.code))
    expect(codes).toEqual(['TOKEN_INVALID', 'TOKEN_INVALID', 'TOKEN_INVALID', 'TOKEN_INVALID', 'TOKEN_INVALID', 'TOO_MANY_FAILURES'])
    const err = await client.register((await cafe.owner.createToken()).token).catch(err => err)
    expect(err).toMatchObject({ name: 'RateLimitedError', status: 429 })
    expect(err.retryAfterSeconds).toBeGreaterThan(0)
    // another peer is not affected
    const honest = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: new Libp2pTransport(clientNode, cafeNode.getMultiaddrs()[0]), clock: cafe.now })
    expect(await honest.register((await cafe.owner.createToken()).token)).toMatchObject({ registered: true })
    await attacker.stop()
  })
})
