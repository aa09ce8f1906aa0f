/**
 * The storage quota under concurrency, through the whole cafe's doors: requests that fit
 * together all succeed, the rest get 413 QUOTA_EXCEEDED (409 INSUFFICIENT_FUNDS on the
 * Pinning Service API's own routes), and usage never passes the quota and is the sum of the
 * live pins.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { MemoryBlockstore } from 'blockstore-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CafeClient, HttpTransport, Libp2pTransport, MemorySessionStore } from '../../../src/client/index.ts'
import { dagSize } from '../../../src/core/pinning/dag.ts'
import { createLibp2pCafe, createTestCafe, tcpNode, type Libp2pCafe, type TestCafe } from '../../client/fixtures.ts'
import { carOf, makeContent, randomContent } from '../pinning/helpers.ts'
import type { Libp2p } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/** each DAG is a little over 150 kB: three fit in the quota, four do not */
const DAG_BYTES = 150_000
const QUOTA = 500_000
const N = 10

interface Account { token: string, id: string }

function httpTo (cafe: TestCafe): HttpTransport {
  return new HttpTransport('http://cafe.test', { fetch: async request => cafe.http.fetch(request, { remote: 'test' }) })
}

async function account (cafe: TestCafe, storageBytes = QUOTA): Promise<Account> {
  const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: httpTo(cafe), store: new MemorySessionStore(), clock: cafe.now })
  await client.register((await cafe.owner.createToken({ uses: 1 })).token)
  const session = await client.session()
  if (session == null) throw new Error('no session')
  await cafe.owner.setClientQuota(session.account, { storageBytes, inboxMessages: 100, inboxBytes: 1_000_000 })
  return { token: session.accessToken, id: session.account }
}

async function call (cafe: TestCafe, who: Account, method: string, path: string, init: { json?: unknown, body?: BodyInit, headers?: Record<string, string> } = {}): Promise<{ status: number, body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${who.token}`, ...init.headers }
  let body = init.body
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(init.json)
  }
  const stream = body instanceof ReadableStream
  const response = await cafe.http.fetch(new Request(`http://cafe.test${path}`, { method, headers, body, ...(stream ? { duplex: 'half' } : {}) } as RequestInit), { remote: 'test' })
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
}

async function contents (blockstore: Blockstore, count: number, seed: number): Promise<CID[]> {
  const cids: CID[] = []
  for (let i = 0; i < count; i++) cids.push(await makeContent(blockstore, randomContent(DAG_BYTES, seed + i), 16_384))
  return cids
}

async function usage (cafe: TestCafe, who: Account): Promise<Record<string, number>> {
  const { status, body } = await call(cafe, who, 'GET', '/api/v0/account')
  expect(status).toBe(200)
  return body.usage
}

async function settledPins (cafe: TestCafe, who: Account): Promise<any[]> {
  for (let i = 0; i < 400; i++) {
    const { body } = await call(cafe, who, 'GET', '/api/v0/pins?status=queued,pinning,pinned,failed&limit=1000')
    if (body.results.every((pin: any) => pin.status === 'pinned' || pin.status === 'failed')) return body.results
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  throw new Error('pins did not settle')
}

/** A body that arrives in pieces, with a pause between them, so concurrent uploads interleave. */
function trickle (bytes: Uint8Array, size = 8_192): ReadableStream<Uint8Array> {
  let offset = 0
  return new ReadableStream({
    async pull (controller) {
      await new Promise(resolve => setTimeout(resolve, 1))
      if (offset >= bytes.byteLength) { controller.close(); return }
      controller.enqueue(bytes.slice(offset, offset + size))
      offset += size
    }
  })
}

function expectOnlyQuotaRefusals (results: Array<{ status: number, body: any }>, ok: number, refusal: { status: number, code: string }): void {
  const refused = results.filter(r => r.status !== ok)
  for (const r of refused) {
    expect(r.status).toBe(refusal.status)
    expect(r.body.error.code ?? r.body.error.reason).toBe(refusal.code)
  }
}

describe('the storage quota under concurrent requests', () => {
  let cafe: TestCafe

  beforeAll(async () => { cafe = await createTestCafe(undefined, () => ['/ip4/127.0.0.1/tcp/4001'], {
    storage: true,
    // every request here comes from one remote on a clock that stands still: one shared bucket for all of them
    cafe: { requests: { capacity: 10_000, refillPerSecond: 1 } }
  }) })
  afterAll(async () => { await cafe.cafe.stop(); await cafe.helia?.stop() })

  it('ten concurrent pins by CID of stored DAGs where three fit: exactly three are pinned, seven get 413 QUOTA_EXCEEDED', async () => {
    const alice = await account(cafe)
    const cids = await contents(cafe.helia!.blockstore, N, 100)
    const size = await dagSize(cafe.helia!.blockstore, cids[0])
    expect(3 * size).toBeLessThanOrEqual(QUOTA)
    expect(4 * size).toBeGreaterThan(QUOTA)

    const results = await Promise.all(cids.map(async cid => call(cafe, alice, 'POST', '/api/v0/pins', { json: { cid: cid.toString() } })))
    expect(results.filter(r => r.status === 202)).toHaveLength(3)
    expectOnlyQuotaRefusals(results, 202, { status: 413, code: 'QUOTA_EXCEEDED' })

    const pins = await settledPins(cafe, alice)
    expect(pins.map(p => p.status)).toEqual(['pinned', 'pinned', 'pinned'])
    const used = await usage(cafe, alice)
    expect(used).toMatchObject({ pins: 3, pinBytes: 3 * size, storageBytes: 3 * size })
  })

  it('the same on the Pinning Service API door: the refused ones get its 409 INSUFFICIENT_FUNDS', async () => {
    const bob = await account(cafe)
    const cids = await contents(cafe.helia!.blockstore, N, 200)
    const size = await dagSize(cafe.helia!.blockstore, cids[0])
    const results = await Promise.all(cids.map(async cid => call(cafe, bob, 'POST', '/api/v0/pinning/pins', { json: { cid: cid.toString() } })))
    expect(results.filter(r => r.status === 202)).toHaveLength(3)
    expectOnlyQuotaRefusals(results, 202, { status: 409, code: 'INSUFFICIENT_FUNDS' })
    expect((await settledPins(cafe, bob)).map(p => p.status)).toEqual(['pinned', 'pinned', 'pinned'])
    expect(await usage(cafe, bob)).toMatchObject({ pins: 3, pinBytes: 3 * size })
  })

  it('ten concurrent CAR uploads with Content-Length where three fit: exactly three succeed, seven get 413', async () => {
    const carol = await account(cafe)
    const client = new MemoryBlockstore()
    const uploads = await Promise.all((await contents(client, N, 300)).map(async cid => ({ cid, car: await carOf(client, [cid]) })))
    expect(3 * uploads[0].car.byteLength).toBeLessThanOrEqual(QUOTA)
    const results = await Promise.all(uploads.map(async ({ car }) => call(cafe, carol, 'POST', '/api/v0/pinning/car', {
      body: car,
      headers: { 'content-type': 'application/vnd.ipld.car', 'content-length': String(car.byteLength) }
    })))
    expect(results.filter(r => r.status === 200)).toHaveLength(3)
    expectOnlyQuotaRefusals(results, 200, { status: 413, code: 'QUOTA_EXCEEDED' })
    const used = await usage(cafe, carol)
    expect(used.pins).toBe(3)
    expect(used.pinBytes).toBeLessThanOrEqual(QUOTA)
    expect(used.pinBytes).toBe(results.filter(r => r.status === 200).reduce((sum, r) => sum + Number(r.body.results[0].info.dag_size), 0))
  })

  it('ten concurrent CAR uploads without Content-Length, streamed in pieces, where three fit: exactly three succeed', async () => {
    const dave = await account(cafe)
    const client = new MemoryBlockstore()
    const uploads = await Promise.all((await contents(client, N, 400)).map(async cid => carOf(client, [cid])))
    const results = await Promise.all(uploads.map(async car => call(cafe, dave, 'POST', '/api/v0/pinning/car', {
      body: trickle(car),
      headers: { 'content-type': 'application/vnd.ipld.car' }
    })))
    expect(results.filter(r => r.status === 200)).toHaveLength(3)
    expectOnlyQuotaRefusals(results, 200, { status: 413, code: 'QUOTA_EXCEEDED' })
    const used = await usage(cafe, dave)
    expect(used.pins).toBe(3)
    expect(used.pinBytes).toBeLessThanOrEqual(QUOTA)
  })

  it('pins and snapshots share one quota: a CAR upload and a snapshot that fit alone but not together, sent at once: exactly one is stored', async () => {
    for (let round = 0; round < 5; round++) {
      const grace = await account(cafe)
      const client = new MemoryBlockstore()
      const [cid] = await contents(client, 1, 700 + round)
      const car = await carOf(client, [cid])
      const snapshot = new Uint8Array(QUOTA - car.byteLength + 1000).fill(round + 1)
      const [upload, put] = await Promise.all([
        call(cafe, grace, 'POST', '/api/v0/pinning/car', { body: car, headers: { 'content-type': 'application/vnd.ipld.car', 'content-length': String(car.byteLength) } }),
        call(cafe, grace, 'PUT', `/api/v0/snapshots/thread-${round}`, { json: { ciphertext: Buffer.from(snapshot).toString('base64') } })
      ])
      expect([upload.status, put.status].filter(status => status === 200)).toHaveLength(1)
      const refused = upload.status === 200 ? put : upload
      expect(refused.status).toBe(413)
      expect(refused.body.error.code ?? refused.body.error.reason).toBe('QUOTA_EXCEEDED')
      const used = await usage(cafe, grace)
      expect(used.storageBytes).toBeLessThanOrEqual(QUOTA)
      expect(used.storageBytes).toBe(used.pinBytes + used.snapshotBytes)
    }
  })

  it('an upload aborted half-way holds its declared size while it runs and gives it back when aborted', async () => {
    const erin = await account(cafe)
    const client = new MemoryBlockstore()
    const [big, small] = await contents(client, 2, 500)
    const bigCar = await carOf(client, [big])
    const smallCar = await carOf(client, [small])
    // the quota holds one of them, not both
    await cafe.owner.setClientQuota(erin.id, { storageBytes: bigCar.byteLength + 1000, inboxMessages: 100, inboxBytes: 1_000_000 })
    const controller = new AbortController()
    const halfway = Promise.withResolvers<void>()
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      async pull (stream) {
        if (sent >= 8_192 * 4) {
          halfway.resolve()
          // the client stalls here until it goes away
          await new Promise(resolve => controller.signal.addEventListener('abort', resolve, { once: true }))
          stream.error(new Error('the client went away'))
          return
        }
        stream.enqueue(bigCar.slice(sent, sent + 8_192))
        sent += 8_192
      }
    })
    const aborted = cafe.http.fetch(new Request('http://cafe.test/api/v0/pinning/car', {
      method: 'POST',
      headers: { authorization: `Bearer ${erin.token}`, 'content-type': 'application/vnd.ipld.car', 'content-length': String(bigCar.byteLength) },
      body,
      duplex: 'half',
      signal: controller.signal
    } as RequestInit), { remote: 'test' }).then(response => response.status, () => 'aborted')
    await halfway.promise
    const upload = async (): Promise<{ status: number, body: any }> => call(cafe, erin, 'POST', '/api/v0/pinning/car', {
      body: smallCar,
      headers: { 'content-type': 'application/vnd.ipld.car', 'content-length': String(smallCar.byteLength) }
    })
    const during = await upload()
    expect(during.status).toBe(413)
    controller.abort()
    expect(await aborted).not.toBe(200)
    const after = await upload()
    expect(after.status).toBe(200)
    expect(await usage(cafe, erin)).toMatchObject({ pins: 1, pinBytes: Number(after.body.results[0].info.dag_size) })
    expect(await cafe.helia!.blockstore.has(big)).toBe(false)
  })
})

describe('the storage quota under concurrent uploads over libp2p (/cafe/car/1.0.0)', () => {
  let net: Libp2pCafe
  const others: Libp2p[] = []

  beforeAll(async () => { net = await createLibp2pCafe({
    storage: true,
    // every request here comes from one remote on a clock that stands still: one shared bucket for all of them
    cafe: { requests: { capacity: 10_000, refillPerSecond: 1 } }
  }) })
  afterEach(async () => { await Promise.all(others.splice(0).map(async node => node.stop())) })
  afterAll(async () => { await net.stop() })

  it('eight concurrent uploads from two peers of one account where three fit: exactly three succeed, five get 413', async () => {
    const frank = await account(net.cafe)
    // a connection takes 4 upload streams at once: two client peers carry the eight
    const second = await tcpNode()
    others.push(second)
    const transports = [new Libp2pTransport(net.clientNode, net.address), new Libp2pTransport(second, net.address)]
    const client = new MemoryBlockstore()
    const cars = await Promise.all((await contents(client, 8, 600)).map(async cid => carOf(client, [cid])))
    const results = await Promise.all(cars.map(async (car, i) => {
      const chunks = (async function * () { for (let o = 0; o < car.byteLength; o += 8_192) { await new Promise(resolve => setTimeout(resolve, 1)); yield car.subarray(o, o + 8_192) } })()
      try {
        await transports[i % 2].uploadCar(chunks, {}, frank.token)
        return { ok: true }
      } catch (err) {
        return { ok: false, status: (err as { status?: number }).status, code: (err as { code?: string }).code }
      }
    }))
    expect(results.filter(r => r.ok)).toHaveLength(3)
    for (const r of results.filter(r => !r.ok)) expect(r).toEqual({ ok: false, status: 413, code: 'QUOTA_EXCEEDED' })
    const used = await usage(net.cafe, frank)
    expect(used.pins).toBe(3)
    expect(used.pinBytes).toBeLessThanOrEqual(QUOTA)
  })
})
