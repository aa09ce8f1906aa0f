/**
 * The cases against the headless cafe over real HTTP and libp2p: the storage quota
 * under concurrent requests at the sizes the issue measured (5 MiB quota, 1.5 MB uploads), and
 * one account's unreachable pins not stalling another's.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { tcp } from '@libp2p/tcp'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CafeClient, HttpTransport, MemorySessionStore } from '../../src/client/index.ts'
import { createCafeHelia, type CafeHelia } from '../../src/node/cafe-helia.ts'
import { createHeadlessCafe, type HeadlessCafe } from '../../src/headless/headless.ts'
import { carOf, makeContent, randomContent } from '../core/pinning/helpers.ts'
import type { CID } from 'multiformats/cid'

const MiB = 1024 * 1024

async function owner (cafe: HeadlessCafe, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${cafe.url}${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${cafe.owner.secret}`, 'content-type': 'application/json' } })
}

/** A registered account with its own storage quota; returns its access token. */
async function account (cafe: HeadlessCafe, storageBytes: number): Promise<{ id: string, token: string }> {
  const { token } = await (await owner(cafe, '/api/v0/tokens', { method: 'POST', body: '{"uses":1}' })).json()
  const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: new HttpTransport(cafe.url), store: new MemorySessionStore() })
  await client.register(token)
  const session = await client.session()
  if (session == null) throw new Error('no session')
  const quota = await owner(cafe, `/api/v0/clients/${session.account}/quota`, { method: 'PUT', body: JSON.stringify({ storageBytes, inboxMessages: 100, inboxBytes: MiB }) })
  expect(quota.status).toBe(200)
  return { id: session.account, token: session.accessToken }
}

async function api (cafe: HeadlessCafe, token: string, method: string, path: string, body?: BodyInit, headers: Record<string, string> = {}): Promise<{ status: number, body: any }> {
  const response = await fetch(`${cafe.url}${path}`, { method, body, headers: { authorization: `Bearer ${token}`, ...headers } })
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
}

async function pinsOf (cafe: HeadlessCafe, token: string): Promise<any[]> {
  return (await api(cafe, token, 'GET', '/api/v0/pins?status=queued,pinning,pinned,failed&limit=1000')).body.results
}

describe('the headless cafe keeps its books under concurrent clients', () => {
  let dataDir: string
  let cafe: HeadlessCafe

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cafe-storage-'))
    cafe = await createHeadlessCafe({
      dataDir,
      http: { port: 0 },
      listen: ['/ip4/127.0.0.1/tcp/0'],
      cafe: { requests: { capacity: 1000, refillPerSecond: 1000 }, pinning: { noProviderTimeoutMs: 20_000 } }
    })
  })

  afterAll(async () => {
    await cafe?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('10 concurrent POST /pins of CIDs already stored, 1.5 MB each, for a 5 MiB quota: 3 pinned, usage within the quota, failed requests not counted', async () => {
    const bob = await account(cafe, 5 * MiB)
    const cids: CID[] = []
    for (let i = 0; i < 10; i++) cids.push(await makeContent(cafe.blockstore, randomContent(1_500_000, 40 + i), 256 * 1024))
    const results = await Promise.all(cids.map(async cid => api(cafe, bob.token, 'POST', '/api/v0/pinning/pins', JSON.stringify({ cid: cid.toString() }), { 'content-type': 'application/json' })))
    expect(results.filter(r => r.status === 202)).toHaveLength(3)
    for (const r of results.filter(r => r.status !== 202)) expect([r.status, r.body.error.reason]).toEqual([409, 'INSUFFICIENT_FUNDS'])
    let pins = await pinsOf(cafe, bob.token)
    for (let i = 0; i < 100 && pins.some(p => p.status !== 'pinned'); i++) {
      await new Promise(resolve => setTimeout(resolve, 50))
      pins = await pinsOf(cafe, bob.token)
    }
    expect(pins.map(p => p.status)).toEqual(['pinned', 'pinned', 'pinned'])
    const { body: me } = await api(cafe, bob.token, 'GET', '/api/v0/account')
    expect(me.usage).toMatchObject({ pins: 3 })
    expect(me.usage.storageBytes).toBeLessThanOrEqual(5 * MiB)
  }, 60_000)

  it("four pins of CIDs nobody has from account A do not delay account B's pin of content its origin serves", async () => {
    const a = await account(cafe, 100 * MiB)
    const b = await account(cafe, 100 * MiB)
    const nowhere = new MemoryBlockstore()
    for (let i = 0; i < 4; i++) {
      const cid = await makeContent(nowhere, randomContent(1000, 70 + i))
      expect((await api(cafe, a.token, 'POST', '/api/v0/pins', JSON.stringify({ cid: cid.toString() }), { 'content-type': 'application/json' })).status).toBe(202)
    }
    let origin: CafeHelia | undefined
    try {
      const blockstore = new MemoryBlockstore()
      origin = createCafeHelia({ blockstore, datastore: new MemoryDatastore(), privateKey: await generateKeyPair('Ed25519'), transports: [tcp()], listen: ['/ip4/127.0.0.1/tcp/0'], allowPrivateDials: true })
      await origin.start()
      const wanted = await makeContent(blockstore, randomContent(200_000, 80), 16_384)
      await new Promise(resolve => setTimeout(resolve, 200))
      const started = performance.now()
      const { status, body } = await api(cafe, b.token, 'POST', '/api/v0/pins', JSON.stringify({ cid: wanted.toString(), origins: [origin.libp2p.getMultiaddrs()[0].toString()] }), { 'content-type': 'application/json' })
      expect(status).toBe(202)
      let pin = body
      while (pin.status !== 'pinned' && pin.status !== 'failed' && performance.now() - started < 8_000) {
        await new Promise(resolve => setTimeout(resolve, 20))
        pin = (await api(cafe, b.token, 'GET', `/api/v0/pins/${body.requestid}`)).body
        if (process.env.TRACE_PIN != null) console.log((performance.now() - started).toFixed(0), pin.status)
      }
      const waited = performance.now() - started
      console.log(`headless: account B's pin was ${pin.status} after ${waited.toFixed(0)} ms while A's four pins waited for the network`)
      expect(pin.status).toBe('pinned')
      expect(waited).toBeLessThan(5_000)
      expect((await pinsOf(cafe, a.token)).filter(p => p.status === 'pinning' || p.status === 'queued')).toHaveLength(4)
    } finally {
      await origin?.stop()
    }
  }, 30_000)

  it('10 uploads of 1.5 MB with Content-Length where 3 fit a 5 MiB quota: exactly 3 succeed, 7 get 413 QUOTA_EXCEEDED', async () => {
    const alice = await account(cafe, 5 * MiB)
    const source = new MemoryBlockstore()
    const cars: Uint8Array[] = []
    for (let i = 0; i < 10; i++) {
      const cid = await makeContent(source, randomContent(1_500_000, 10 + i), 256 * 1024)
      cars.push(await carOf(source, [cid]))
    }
    const results = await Promise.all(cars.map(async car => api(cafe, alice.token, 'POST', '/api/v0/pinning/car', car as BodyInit, { 'content-type': 'application/vnd.ipld.car' })))
    expect(results.filter(r => r.status === 200)).toHaveLength(3)
    for (const r of results.filter(r => r.status !== 200)) expect([r.status, r.body.error.reason]).toEqual([413, 'QUOTA_EXCEEDED'])
    // not over a pooled connection: a 413 sent before its body was read can leave one unusable (the HTTP server's part of the issue)
    const me = await (await cafe.handle(new Request(`${cafe.url}/api/v0/account`, { headers: { authorization: `Bearer ${alice.token}` } }), { remote: '127.0.0.1' })).json()
    expect(me.usage.pins).toBe(3)
    expect(me.usage.storageBytes).toBeLessThanOrEqual(5 * MiB)
    expect(me.usage.storageBytes).toBe(results.filter(r => r.status === 200).reduce((sum, r) => sum + Number(r.body.results[0].info.dag_size), 0))
  }, 60_000)
})
