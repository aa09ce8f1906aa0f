/**
 * A careless or hostile libp2p client cannot stop the cafe or leave things held: CAR
 * uploads dropped at random bytes (stream reset, connection closed, half a frame then
 * end), malformed frames on every cafe protocol, and inbox subscribers that vanish.
 * A client over TCP on 127.0.0.1 against a whole cafe with a Helia blockstore.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { CarReader } from '@ipld/car'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CafeClient, Libp2pTransport, MemorySessionStore } from '../../src/client/index.ts'
import { packCar } from '../../src/client/car.ts'
import { CAR_PROTOCOL } from '../../src/core/pinning/routes.ts'
import { INBOX_PUSH_PROTOCOL } from '../../src/core/inbox/routes.ts'
import { CAFE_PROTOCOL, MAX_MESSAGE_BYTES } from '../../src/core/api/protocol.ts'
import { registerCafeProtocol } from '../../src/core/api/libp2p.ts'
import { frameStream } from '../../src/core/api/stream.ts'
import { envelopeToJSON, sealMessage } from '../../src/core/inbox/index.ts'
import { createHeadlessCafe, type HeadlessCafe } from '../../src/headless/headless.ts'
import { createLibp2pCafe, createTestCafe, tcpNode, type Libp2pCafe } from '../client/fixtures.ts'
import { CAFE_CONNECTION_MANAGER, waitFor } from './fixtures.ts'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

const encoder = new TextEncoder()
const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value))

function varint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) { out.push((n % 0x80) | 0x80); n = Math.floor(n / 0x80) }
  out.push(n)
  return Uint8Array.from(out)
}

function frame (payload: Uint8Array): Uint8Array {
  const prefix = varint(payload.byteLength)
  const out = new Uint8Array(prefix.byteLength + payload.byteLength)
  out.set(prefix)
  out.set(payload, prefix.byteLength)
  return out
}

function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const part of parts) { out.set(part, at); at += part.byteLength }
  return out
}

/** A CAR of unique random content, and every byte of its upload on `/cafe/car/1.0.0`. */
async function upload (auth: string, bytes: number): Promise<{ root: CID, cids: CID[], blockBytes: number, wire: Uint8Array }> {
  const { root, car } = await packCar([{ path: 'f.bin', content: randomBytes(bytes) }], { wrap: false })
  const reader = await CarReader.fromBytes(car)
  const cids: CID[] = []
  let blockBytes = 0
  for await (const block of reader.blocks()) { cids.push(block.cid); blockBytes += block.bytes.byteLength }
  const parts = [frame(json({ op: 'pins.importCar', auth, input: { name: 'dropped' } }))]
  for (let at = 0; at < car.byteLength; at += 64 * 1024) parts.push(frame(car.subarray(at, at + 64 * 1024)))
  parts.push(frame(new Uint8Array(0)))
  return { root, cids, blockBytes, wire: concat(parts) }
}

async function send (stream: Stream, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.byteLength; at += 16 * 1024) {
    if (!stream.send(bytes.subarray(at, at + 16 * 1024))) await stream.onDrain({ signal: AbortSignal.timeout(5_000) })
  }
}

/** The one answer frame, or 'closed' when the cafe ended the stream without one. */
async function answerOf (stream: Stream): Promise<any> {
  try {
    const bytes = await frameStream(stream, MAX_MESSAGE_BYTES).read({ signal: AbortSignal.timeout(10_000) })
    await stream.close().catch(() => {}) // as a client does once it has the answer
    return JSON.parse(new TextDecoder().decode(bytes.subarray()))
  } catch (err) {
    if (['UnexpectedEOFError', 'StreamResetError', 'StreamAbortedError', 'StreamClosedError', 'StreamStateError'].includes((err as Error).name)) return 'closed'
    throw err
  }
}

function streamsOf (node: Libp2p, protocol: string): Stream[] {
  return node.getConnections().flatMap(connection => connection.streams).filter(stream => stream.protocol === protocol)
}

describe('the cafe survives libp2p clients that drop, garble and vanish', () => {
  let p2p: Libp2pCafe
  let client: CafeClient
  const rejections: unknown[] = []
  const onRejection = (reason: unknown): void => { rejections.push(reason) }

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection)
    p2p = await createLibp2pCafe({ storage: true, connectionManager: CAFE_CONNECTION_MANAGER })
    client = new CafeClient({
      privateKey: await generateKeyPair('Ed25519'),
      transport: new Libp2pTransport(p2p.clientNode, p2p.address),
      store: new MemorySessionStore(),
      clock: p2p.cafe.now
    })
    await client.register((await p2p.cafe.owner.createToken({ uses: 1 })).token)
  })

  afterEach(() => {
    expect(rejections).toEqual([])
  })

  afterAll(async () => {
    process.off('unhandledRejection', onRejection)
    await p2p?.stop()
  })

  /** refills every per-remote bucket: the drops below come from one address on purpose */
  const refill = (): void => { p2p.cafe.advance(120_000) }
  const accessToken = async (): Promise<string> => (await client.session())!.accessToken

  it('CAR uploads dropped at random bytes leave no staged block and no reservation, and the cafe keeps answering', async () => {
    const started = Date.now()
    const modes = ['reset', 'connection', 'end'] as const
    const batches = 6
    const perBatch = 45 // 270 drops in all
    const group = 5 // at once: a peer may open 10 upload streams in a burst
    const size = 600_000
    const roomy = { storageBytes: 1024 ** 3, inboxMessages: 1000, inboxBytes: 1024 ** 2 }
    const kept: Array<{ root: CID, cids: CID[] }> = []
    let dropped = 0
    let answered = 0

    for (let batch = 0; batch < batches; batch++) {
      refill()
      await client.whoami() // refreshes the session when the clock has moved past it
      const auth = await accessToken()
      await p2p.cafe.owner.setClientQuota(client.account, roomy)
      const gone: CID[] = []
      const shared = await p2p.clientNode.dial(p2p.address, { force: true })
      for (let first = 0; first < perBatch; first += group) {
        p2p.cafe.advance(10_000)
        const uploads = await Promise.all(Array.from({ length: group }, async () => upload(auth, size)))
        const mode = (i: number): typeof modes[number] => modes[(batch + first + i) % modes.length]
        // one connection of its own for each upload dropped with its connection (dialled one by
        // one: libp2p hands concurrent dials to one peer the same connection)
        const own: Connection[] = []
        for (let i = 0; i < group; i++) own.push(mode(i) === 'connection' ? await p2p.clientNode.dial(p2p.address, { force: true }) : shared)
        await Promise.all(uploads.map(async (car, i) => {
          const offset = Math.floor(Math.random() * (car.wire.byteLength - 1))
          gone.push(...car.cids)
          const connection = own[i]
          const stream = await connection.newStream(CAR_PROTOCOL)
          await send(stream, car.wire.subarray(0, offset)).catch(() => {})
          if (mode(i) === 'reset') stream.abort(new Error('dropped by the test'))
          else if (mode(i) === 'connection') connection.abort(new Error('dropped by the test'))
          else {
            // the stream ends cleanly mid-upload: the cafe says why, with a 4xx
            await stream.close().catch(() => {})
            const reply = await answerOf(stream)
            if (reply !== 'closed') {
              answered++
              expect(reply).toMatchObject({ ok: false, error: { status: expect.any(Number) } })
              expect(reply.error.status).toBeLessThan(500)
            }
          }
          dropped++
        }))
      }
      await waitFor(() => streamsOf(p2p.cafeNode, CAR_PROTOCOL).length === 0, 10_000, 'the cafe to close every dropped upload stream')
      for (const cid of gone) expect(await p2p.cafe.helia!.blockstore.has(cid)).toBe(false)

      // the cafe still answers, and an upload that exactly fits the quota goes through:
      // a reservation any dropped upload left behind would refuse it
      expect(await client.info()).toMatchObject({ peerId: p2p.cafe.peerId })
      const whole = await upload(auth, size)
      await p2p.cafe.owner.setClientQuota(client.account, { ...roomy, storageBytes: (batch + 1) * whole.blockBytes + 64 })
      const stream = await shared.newStream(CAR_PROTOCOL)
      await send(stream, whole.wire)
      expect(await answerOf(stream)).toMatchObject({ ok: true, output: { count: 1, results: [{ status: 'pinned', pin: { cid: whole.root.toString() } }] } })
      kept.push(whole)
    }
    for (const { cids } of kept) for (const cid of cids) expect(await p2p.cafe.helia!.blockstore.has(cid)).toBe(true)
    expect(dropped).toBe(batches * perBatch)
    expect(answered).toBeGreaterThan(0)
    console.log(`${dropped} uploads dropped at random bytes (the ${answered} that ended cleanly got a 4xx), ${batches} kept, in ${Date.now() - started} ms`)
    expect(Date.now() - started).toBeLessThan(100_000)
  }, 120_000)

  it('malformed frames on every protocol get a typed 4xx or a closed stream, never a 5xx', async () => {
    const started = Date.now()
    const auth = await accessToken()
    const cases: Uint8Array[] = [
      Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // a length prefix too long
      varint(MAX_MESSAGE_BYTES * 4), // an oversized frame announced
      concat([varint(MAX_MESSAGE_BYTES + 1), new Uint8Array(1000)]),
      frame(encoder.encode('{not json')),
      frame(Uint8Array.from([0xc3, 0x28])), // not UTF-8
      frame(json(null)), frame(json([])), frame(json(42)), frame(json('op')),
      frame(json({ op: 42 })), frame(json({ op: 'cafe.info', auth: 7 })), frame(json({ op: 'account.get', auth: 'x.y.z' })),
      frame(json({ op: 'sessions.create', input: [] })), frame(json({ op: 'nope' })), frame(json({ auth, input: { name: 5 } })),
      frame(json({ auth, input: { meta: [] } })), frame(json({ auth: 'garbage' })),
      concat([frame(json({ auth })), frame(encoder.encode('not a car at all')), frame(new Uint8Array(0))]),
      concat([frame(json({ auth })), frame(new Uint8Array(0))]),
      frame(new Uint8Array(0)),
      new Uint8Array(0)
    ]
    for (let i = 0; i < 60; i++) cases.push(randomBytes(Math.floor(Math.random() * 64)))
    for (let i = 0; i < 30; i++) {
      const whole = frame(json({ op: 'cafe.info', auth, input: { pad: 'x'.repeat(Math.floor(Math.random() * 500)) } }))
      cases.push(whole.subarray(0, 1 + Math.floor(Math.random() * (whole.byteLength - 1)))) // half a frame, then the end
    }
    const statuses: number[] = []
    let closed = 0
    const connection = await p2p.clientNode.dial(p2p.address)
    for (const protocol of [CAFE_PROTOCOL, CAR_PROTOCOL, INBOX_PUSH_PROTOCOL]) {
      for (const [i, bytes] of cases.entries()) {
        // a peer may open 10 upload or inbox streams in a burst, one more a second
        if (i % 8 === 0) p2p.cafe.advance(10_000)
        const stream = await connection.newStream(protocol)
        await send(stream, bytes).catch(() => {})
        await stream.close().catch(() => {})
        const reply = await answerOf(stream)
        stream.abort(new Error('next case')) // a subscription that succeeded would stay open
        if (reply === 'closed') closed++
        else if (reply.ok === false) statuses.push(reply.error.status)
      }
    }
    refill()
    expect(statuses.filter(status => status >= 500)).toEqual([])
    expect(statuses).toContain(413)
    expect(statuses).toContain(400)
    expect(statuses.length + closed).toBeGreaterThan(cases.length * 2)
    console.log(`${cases.length * 3} malformed streams: ${statuses.length} typed errors (${[...new Set(statuses)].sort().join(', ')}), ${closed} closed, 0 >= 500`)
    // the cafe is unharmed
    expect(await client.info()).toMatchObject({ peerId: p2p.cafe.peerId })
    await waitFor(() => streamsOf(p2p.cafeNode, CAFE_PROTOCOL).length === 0 && streamsOf(p2p.cafeNode, CAR_PROTOCOL).length === 0, 10_000, 'every fuzz stream to close')
    expect(Date.now() - started).toBeLessThan(60_000)
  }, 90_000)

  it('a client that keeps its end open after the answer does not hold the cafe\'s stream', { timeout: 30_000 }, async () => {
    refill()
    const connection = await p2p.clientNode.dial(p2p.address)
    const held: Stream[] = []
    for (const protocol of [CAFE_PROTOCOL, CAR_PROTOCOL]) {
      const stream = await connection.newStream(protocol)
      await send(stream, frame(json({ op: 'cafe.info' })))
      expect(await frameStream(stream, MAX_MESSAGE_BYTES).read({ signal: AbortSignal.timeout(5_000) })).toBeDefined()
      held.push(stream) // and never closed
    }
    expect(streamsOf(p2p.cafeNode, CAFE_PROTOCOL).length + streamsOf(p2p.cafeNode, CAR_PROTOCOL).length).toBe(2)
    await waitFor(() => streamsOf(p2p.cafeNode, CAFE_PROTOCOL).length + streamsOf(p2p.cafeNode, CAR_PROTOCOL).length === 0, 13_000, 'the cafe to let go of streams its clients hold open')
    await waitFor(() => held.every(stream => stream.status !== 'open'), 3_000, 'the client to see its held streams cut')
  })

  it('inbox subscribers that vanish release their streams, and the rest still get their pushes', async () => {
    refill()
    const auth = await accessToken()
    const subscribe = async (connection: Connection): Promise<{ stream: Stream, frames: ReturnType<typeof frameStream> }> => {
      const stream = await connection.newStream(INBOX_PUSH_PROTOCOL)
      const frames = frameStream(stream, MAX_MESSAGE_BYTES)
      await frames.write(json({ op: 'inbox.subscribe', auth }))
      expect(JSON.parse(new TextDecoder().decode((await frames.read()).subarray()))).toMatchObject({ ok: true, output: { subscribed: true } })
      return { stream, frames }
    }
    const deliver = async (text: string): Promise<void> => {
      const sender = await generateKeyPair('Ed25519')
      const envelope = await sealMessage(sender, client.account, encoder.encode(text))
      refill()
      await p2p.cafe.api.call({ op: 'inbox.deliver', input: { envelope: envelopeToJSON(envelope) }, remote: 'sender' })
    }
    const shared = await p2p.clientNode.dial(p2p.address)
    const others: Libp2p[] = []
    const vanishing = []
    for (let i = 0; i < 6; i++) vanishing.push(await subscribe(shared))
    for (let i = 0; i < 3; i++) {
      const node = await tcpNode()
      others.push(node)
      vanishing.push(await subscribe(await node.dial(p2p.address)))
    }
    const staying = await subscribe(shared)
    expect(streamsOf(p2p.cafeNode, INBOX_PUSH_PROTOCOL)).toHaveLength(10)

    // half reset their stream, the others' nodes go away with their connections
    for (const [i, { stream }] of vanishing.entries()) if (i < 6) stream.abort(new Error('gone'))
    await deliver('while they vanish')
    await Promise.all(others.map(async node => node.stop()))
    await deliver('after they vanished')
    await waitFor(() => streamsOf(p2p.cafeNode, INBOX_PUSH_PROTOCOL).length === 1, 10_000, 'the cafe to let go of vanished subscribers')

    const pushed = []
    for (let i = 0; i < 2; i++) pushed.push(JSON.parse(new TextDecoder().decode((await staying.frames.read({ signal: AbortSignal.timeout(5_000) })).subarray())))
    expect(pushed).toMatchObject([{ ok: true, output: { id: expect.any(String) } }, { ok: true, output: { id: expect.any(String) } }])
    staying.stream.abort(new Error('done'))
    await waitFor(() => streamsOf(p2p.cafeNode, INBOX_PUSH_PROTOCOL).length === 0, 10_000, 'the last subscription to end')
  })
  it('a subscriber that stops reading does not hold up another, which gets every push', async () => {
    refill()
    const auth = await accessToken()
    const subscribe = async (node: Libp2p): Promise<{ stream: Stream, frames: ReturnType<typeof frameStream> }> => {
      const stream = await node.dialProtocol(p2p.address, INBOX_PUSH_PROTOCOL)
      const frames = frameStream(stream, MAX_MESSAGE_BYTES)
      await frames.write(json({ op: 'inbox.subscribe', auth }))
      expect(JSON.parse(new TextDecoder().decode((await frames.read()).subarray()))).toMatchObject({ ok: true })
      return { stream, frames }
    }
    await p2p.cafe.owner.setClientQuota(client.account, { storageBytes: 1024 ** 3, inboxMessages: 1000, inboxBytes: 100 * 1024 ** 2 })
    const readerNode = await tcpNode()
    const stuckNode = await tcpNode()
    try {
      const reader = await subscribe(readerNode)
      await subscribe(stuckNode) // and never read again
      const count = 120
      let received = 0
      const reading = (async () => {
        while (received < count) {
          await reader.frames.read({ signal: AbortSignal.timeout(20_000) })
          received++
        }
      })()
      reading.catch(() => {}) // awaited below; a failed delivery must not leave it unhandled
      for (let i = 0; i < count; i++) {
        const envelope = await sealMessage(await generateKeyPair('Ed25519'), client.account, randomBytes(60 * 1024))
        await p2p.cafe.api.call({ op: 'inbox.deliver', input: { envelope: envelopeToJSON(envelope) }, remote: `sender-${i}` })
        if (i % 50 === 49) refill()
        // a steady stream, not one burst: the reader keeps up
        await waitFor(() => received >= i - 8, 10_000, 'the reader to keep up', 5)
      }
      await reading
      expect(received).toBe(count)
      reader.stream.abort(new Error('done'))
    } finally {
      await Promise.all([readerNode.stop(), stuckNode.stop()])
    }
    await waitFor(() => streamsOf(p2p.cafeNode, INBOX_PUSH_PROTOCOL).length === 0, 10_000, 'both subscriptions to end with their nodes')
  }, 60_000)
})

/** Every file under `dir`, temporary ones included. */
async function filesUnder (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter(entry => entry.isFile()).map(entry => join(entry.parentPath, entry.name)).sort()
}

describe('the headless cafe (blocks on disk) and dropped libp2p uploads', () => {
  let dataDir: string
  let cafe: HeadlessCafe

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cafe-p2p-drops-'))
    cafe = await createHeadlessCafe({ dataDir, http: { port: 0 }, listen: ['/ip4/127.0.0.1/tcp/0'] })
  })

  afterAll(async () => {
    await cafe?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('uploads dropped at random bytes leave no block file, temporary or not, and the next upload reads back', async () => {
    const rejections: unknown[] = []
    const onRejection = (reason: unknown): void => { rejections.push(reason) }
    process.on('unhandledRejection', onRejection)
    const blocksDir = join(dataDir, 'blocks')
    const before = await filesUnder(blocksDir)
    const { token } = await cafe.cafe.owner.createToken({ uses: 1 })
    const address = cafe.multiaddrs()[0]
    const nodes: Libp2p[] = []
    try {
      const owner = await tcpNode()
      nodes.push(owner)
      const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: new Libp2pTransport(owner, address), store: new MemorySessionStore() })
      await client.register(token)
      const auth = (await client.session())!.accessToken
      // 4 peers x 9 uploads: within what one address may open in a burst (40)
      let dropped = 0
      for (let peer = 0; peer < 4; peer++) {
        const node = await tcpNode()
        nodes.push(node)
        const uploads = await Promise.all(Array.from({ length: 9 }, async () => upload(auth, 700_000)))
        const shared = await node.dial(address)
        const own: Connection[] = []
        for (let i = 0; i < uploads.length; i++) own.push(i % 2 === 1 ? await node.dial(address, { force: true }) : shared)
        await Promise.all(uploads.map(async (car, i) => {
          const connection = own[i]
          const stream = await connection.newStream(CAR_PROTOCOL)
          await send(stream, car.wire.subarray(0, Math.floor(Math.random() * (car.wire.byteLength - 1)))).catch(() => {})
          if (i % 2 === 1) connection.abort(new Error('dropped by the test'))
          else stream.abort(new Error('dropped by the test'))
          dropped++
        }))
      }
      expect(dropped).toBe(36)
      await waitFor(() => streamsOf(cafe.helia.libp2p, CAR_PROTOCOL).length === 0, 10_000, 'the cafe to close every dropped upload stream')
      await waitFor(async () => (await filesUnder(blocksDir)).length === before.length, 5_000, 'the dropped uploads\' blocks to be gone')
      expect(await filesUnder(blocksDir)).toEqual(before)

      const whole = await upload(auth, 700_000)
      const stream = await owner.dialProtocol(address, CAR_PROTOCOL)
      await send(stream, whole.wire)
      expect(await answerOf(stream)).toMatchObject({ ok: true, output: { results: [{ status: 'pinned' }] } })
      const read = await fetch(`${cafe.url}/ipfs/${whole.root.toString()}`)
      expect(read.status).toBe(200)
      expect((await read.arrayBuffer()).byteLength).toBe(700_000)
      expect((await filesUnder(blocksDir)).filter(file => file.endsWith('.tmp') || file.includes('/.'))).toEqual([])
      expect(rejections).toEqual([])
    } finally {
      process.off('unhandledRejection', onRejection)
      await Promise.all(nodes.map(async node => node.stop()))
    }
  }, 60_000)
})

describe('a libp2p client that stalls', () => {
  it('gets 408 STREAM_TIMEOUT once the stream runs out of time, and the cafe lets go of the stream', async () => {
    const cafe = await createTestCafe()
    const cafeNode = await tcpNode(undefined, ['/ip4/127.0.0.1/tcp/0'])
    const clientNode = await tcpNode()
    const stop = await registerCafeProtocol(cafeNode, cafe.api, { logger: defaultLogger(), timeoutMs: 300 })
    try {
      const stream = await clientNode.dialProtocol(cafeNode.getMultiaddrs()[0], CAFE_PROTOCOL)
      await send(stream, frame(json({ op: 'cafe.info' })).subarray(0, 5)) // half a frame, then nothing
      expect(await answerOf(stream)).toMatchObject({ ok: false, error: { code: 'STREAM_TIMEOUT', status: 408 } })
      await waitFor(() => streamsOf(cafeNode, CAFE_PROTOCOL).length === 0, 3_000, 'the stalled stream to close')
    } finally {
      await stop()
      await Promise.all([clientNode.stop(), cafeNode.stop()])
    }
  })
})

describe('libp2p failure limits count the remote address, not only the peer id', () => {
  let p2p: Libp2pCafe

  beforeAll(async () => { p2p = await createLibp2pCafe({ storage: true, connectionManager: CAFE_CONNECTION_MANAGER }) })
  afterAll(async () => { await p2p?.stop() })

  it('a client that rotates its peer id still runs out of failed registrations on its address', async () => {
    const codes: string[] = []
    for (let i = 0; i < 8; i++) {
      const node = await tcpNode() // a fresh peer id each time, from the same address
      const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: new Libp2pTransport(node, p2p.address), clock: p2p.cafe.now })
      for (let j = 0; j < 3; j++) codes.push(await client.register('wrong').then(() => 'ok', err => err.code))
      await node.stop()
    }
    // 5 failures a peer id, 20 an address: the 21st try is refused whatever the peer id
    expect(codes.slice(0, 20).every(code => code === 'TOKEN_INVALID')).toBe(true)
    expect(codes.slice(20)).toEqual(['TOO_MANY_FAILURES', 'TOO_MANY_FAILURES', 'TOO_MANY_FAILURES', 'TOO_MANY_FAILURES'])
    const late = await tcpNode()
    const honest = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: new Libp2pTransport(late, p2p.address), clock: p2p.cafe.now })
    await expect(honest.register((await p2p.cafe.owner.createToken()).token)).rejects.toMatchObject({ status: 429, code: 'TOO_MANY_FAILURES' })
    // the allowance comes back with time
    p2p.cafe.advance(10 * 60_000)
    expect(await honest.register((await p2p.cafe.owner.createToken()).token)).toMatchObject({ registered: true })
    await late.stop()
  })

  it('failed authentication on every libp2p protocol counts as a failure of the address too', async () => {
    p2p.cafe.advance(60 * 60_000)
    const codes: string[] = []
    for (let i = 0; i < 5; i++) {
      const node = await tcpNode()
      const connection = await node.dial(p2p.address)
      for (const protocol of [CAR_PROTOCOL, INBOX_PUSH_PROTOCOL, CAFE_PROTOCOL, INBOX_PUSH_PROTOCOL, CAR_PROTOCOL]) {
        const stream = await connection.newStream(protocol)
        await send(stream, frame(json({ op: 'account.get', auth: 'not.a.token' })))
        const reply = await answerOf(stream)
        codes.push(reply.error?.code)
      }
      await node.stop()
    }
    expect(codes.slice(0, 20).every(code => code !== 'TOO_MANY_FAILURES' && code != null)).toBe(true)
    expect(codes.slice(20)).toEqual(Array(5).fill('TOO_MANY_FAILURES'))
  })

  it('new CAR streams from rotating peer ids are limited per address', async () => {
    p2p.cafe.advance(60 * 60_000)
    const owner = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: new Libp2pTransport(p2p.clientNode, p2p.address), store: new MemorySessionStore(), clock: p2p.cafe.now })
    const { accessToken: auth } = await owner.register((await p2p.cafe.owner.createToken()).token)
    const codes: string[] = []
    const nodes: Libp2p[] = []
    for (let i = 0; i < 5; i++) {
      const node = await tcpNode()
      nodes.push(node)
      const connection = await node.dial(p2p.address)
      for (let j = 0; j < 9; j++) {
        const stream = await connection.newStream(CAR_PROTOCOL)
        await send(stream, concat([frame(json({ auth })), frame(new Uint8Array(0))])) // an empty CAR: 400
        codes.push((await answerOf(stream)).error?.code)
      }
    }
    await Promise.all(nodes.map(async node => node.stop()))
    // 10 a peer, 40 an address: the 41st stream is refused though its peer has used only 5
    expect(codes.slice(0, 40).includes('RATE_LIMITED')).toBe(false)
    expect(codes.slice(40)).toEqual(Array(5).fill('RATE_LIMITED'))
  })
})
