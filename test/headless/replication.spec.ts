/**
 * Replication against a real remote Pinning Service: cafe A copies its pins to a second
 * headless cafe B through B's Pinning Service API (/api/v0/pinning), over real HTTP, and B
 * fetches the blocks from A over libp2p (A's multiaddrs are the pin's origins). B goes down
 * and comes back; A restarts; a remote is added to a cafe that already has pins.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { MemoryBlockstore } from 'blockstore-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CafeClient, HttpTransport, MemorySessionStore } from '../../src/client/index.ts'
import { createHeadlessCafe, type HeadlessCafe, type HeadlessCafeInit } from '../../src/headless/headless.ts'
import { carOf, makeContent, randomContent } from '../core/pinning/helpers.ts'
import type { RemotePinningService, ReplicaStatus } from '../../src/core/pinning/index.ts'
import type { CID } from 'multiformats/cid'

const LISTEN = ['/ip4/127.0.0.1/tcp/0']
const REQUESTS = { capacity: 10_000, refillPerSecond: 10_000 }
/** small backoff so a remote that comes back is seen within about a second */
const BACKOFF = { minDelayMs: 50, maxDelayMs: 500, requestTimeoutMs: 3000 }

async function owner (cafe: HeadlessCafe, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${cafe.url}${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${cafe.owner.secret}`, 'content-type': 'application/json' } })
}

/** A registered account; its access token is what a Pinning Service API client is given. */
async function account (cafe: HeadlessCafe): Promise<{ id: string, token: string }> {
  const { token } = await (await owner(cafe, '/api/v0/tokens', { method: 'POST', body: '{"uses":1}' })).json()
  const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: new HttpTransport(cafe.url), store: new MemorySessionStore() })
  await client.register(token)
  const session = await client.session()
  if (session == null) throw new Error('no session')
  return { id: session.account, token: session.accessToken }
}

async function api (url: string, token: string, method: string, path: string, body?: BodyInit, headers: Record<string, string> = {}): Promise<{ status: number, body: any }> {
  const response = await fetch(`${url}${path}`, { method, body, headers: { authorization: `Bearer ${token}`, ...headers } })
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
}

async function until<T> (what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

describe('a cafe replicates its pins to a second headless cafe acting as a remote Pinning Service', () => {
  const dirs: string[] = []
  let a: HeadlessCafe
  let b: HeadlessCafe | undefined
  let aInit: HeadlessCafeInit
  let bInit: HeadlessCafeInit
  let alice: { id: string, token: string }
  let remote: { id: string, token: string }
  let remoteService: RemotePinningService
  let second: { id: string, token: string }
  const source = new MemoryBlockstore()
  let seed = 100

  async function tempDir (): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'cafe-replication-'))
    dirs.push(dir)
    return dir
  }

  /** A new DAG of 300 KB in 16 KiB blocks, uploaded to A as a CAR: pinned at once. */
  async function pinOnA (): Promise<{ cid: CID, requestid: string, ms: number }> {
    const cid = await makeContent(source, randomContent(300_000, seed++), 16 * 1024)
    const car = await carOf(source, [cid])
    const started = performance.now()
    const { status, body } = await api(a.url, alice.token, 'POST', '/api/v0/pinning/car', car as BodyInit, { 'content-type': 'application/vnd.ipld.car' })
    const ms = performance.now() - started
    expect(status).toBe(200)
    expect(body.results[0].status).toBe('pinned')
    return { cid, requestid: body.results[0].requestid, ms }
  }

  async function replicasOnA (requestid: string): Promise<ReplicaStatus[]> {
    return (await api(a.url, alice.token, 'GET', `/api/v0/pins/${requestid}`)).body.info.replicas
  }

  async function pinsOnB (token: string, cid: CID): Promise<any[]> {
    return (await api((b as HeadlessCafe).url, token, 'GET', `/api/v0/pinning/pins?cid=${cid}&status=queued,pinning,pinned,failed`)).body.results
  }

  beforeAll(async () => {
    bInit = { dataDir: await tempDir(), http: { port: 0 }, listen: LISTEN, cafe: { requests: REQUESTS } }
    b = await createHeadlessCafe(bInit)
    // B comes back on the same HTTP port (the endpoint A was given)
    bInit.http = { port: Number(new URL(b.url).port) }
    remote = await account(b)
    remoteService = { name: 'cafe-b', endpoint: `${b.url}/api/v0/pinning`, accessToken: remote.token }
    aInit = {
      dataDir: await tempDir(),
      http: { port: 0 },
      listen: LISTEN,
      cafe: { requests: REQUESTS, pinning: { replication: { remotes: [remoteService], ...BACKOFF } } }
    }
    a = await createHeadlessCafe(aInit)
    alice = await account(a)
  })

  afterAll(async () => {
    await a?.stop()
    await b?.stop()
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  it('a pin on A is pinned on B, fetched from A (the origins), and A shows the replica pinned in info.replicas', async () => {
    const { cid, requestid } = await pinOnA()
    const replicas = await until('A\'s replica', async () => replicasOnA(requestid), r => r?.[0]?.status === 'pinned')
    expect(replicas).toMatchObject([{ name: 'cafe-b', status: 'pinned', requestid: expect.stringMatching(/\S/) }])
    expect(replicas[0].error).toBeUndefined()
    expect(replicas[0].retryAt).toBeUndefined()
    expect(Date.parse(replicas[0].updated)).toBeGreaterThan(Date.now() - 60_000)

    const onB = await pinsOnB(remote.token, cid)
    expect(onB).toMatchObject([{ requestid: replicas[0].requestid, status: 'pinned', pin: { cid: cid.toString() } }])
    expect(onB[0].pin.origins).toEqual(a.multiaddrs().map(String))
    expect(onB[0].pin.origins.every((addr: string) => addr.endsWith(`/p2p/${a.peerId}`))).toBe(true)
    expect(onB[0].pin.meta).toEqual({ replica_of: a.peerId.toString() })
    // B holds the whole DAG: it came from A, the only node that had it
    expect(await (b as HeadlessCafe).blockstore.has(cid)).toBe(true)
    expect(Number(onB[0].info.dag_size)).toBeGreaterThan(300_000)

    // the Pinning Service API's info holds strings only: the same list, as JSON text
    const spec = await api(a.url, alice.token, 'GET', `/api/v0/pinning/pins/${requestid}`)
    expect(JSON.parse(spec.body.info.replicas)).toEqual(replicas)
    expect(a.cafe.services.pinning?.replicationStatus()).toMatchObject({ pinned: 1, failed: 0 })
  }, 30_000)

  it('with B down, pinning on A stays quick and the replica shows failed with a retry time; when B is back it is pinned', async () => {
    const { ms: upMs } = await pinOnA()
    await (b as HeadlessCafe).stop()
    b = undefined
    const { cid, requestid, ms: downMs } = await pinOnA()
    console.log(`replication: a 300 KB upload to A took ${upMs.toFixed(0)} ms with B up, ${downMs.toFixed(0)} ms with B down`)
    expect(downMs).toBeLessThan(2000)

    const failed = await until('the failed replica', async () => replicasOnA(requestid), r => r?.[0]?.status === 'failed')
    expect(failed[0]).toMatchObject({ name: 'cafe-b', status: 'failed', error: expect.stringContaining('unreachable') })
    expect(Date.parse(failed[0].retryAt as string)).toBeGreaterThan(Date.parse(failed[0].updated))
    expect(failed[0].requestid).toBeUndefined()

    b = await createHeadlessCafe(bInit)
    const replicas = await until('the replica after B came back', async () => replicasOnA(requestid), r => r?.[0]?.status === 'pinned')
    expect(await pinsOnB(remote.token, cid)).toMatchObject([{ requestid: replicas[0].requestid, status: 'pinned' }])
  }, 60_000)

  it('a restart of A resumes a replica it could not send, and a remote added to A gets every existing pin (backfill)', async () => {
    await (b as HeadlessCafe).stop()
    b = undefined
    const { cid, requestid } = await pinOnA()
    await until('the failed replica', async () => replicasOnA(requestid), r => r?.[0]?.status === 'failed')
    await a.stop()

    b = await createHeadlessCafe(bInit)
    second = await account(b)
    const added: RemotePinningService = { name: 'cafe-b-2', endpoint: `${b.url}/api/v0/pinning`, accessToken: second.token }
    aInit.cafe = { requests: REQUESTS, pinning: { replication: { remotes: [remoteService, added], ...BACKOFF } } }
    a = await createHeadlessCafe(aInit)

    const replicas = await until('both replicas', async () => replicasOnA(requestid), r => r?.length === 2 && r.every(x => x.status === 'pinned'))
    expect(replicas.map(r => r.name)).toEqual(['cafe-b', 'cafe-b-2'])
    expect(await pinsOnB(remote.token, cid)).toMatchObject([{ status: 'pinned' }])
    const all = (await api(a.url, alice.token, 'GET', '/api/v0/pins?limit=100')).body.results
    expect(all).toHaveLength(4)
    // every earlier pin reached the added remote too, under its own account
    const onSecond = (await api(b.url, second.token, 'GET', '/api/v0/pinning/pins?limit=100')).body
    expect(onSecond.count).toBe(4)
    expect(onSecond.results.map((p: any) => p.pin.cid).sort()).toEqual(all.map((p: any) => p.pin.cid).sort())
    for (const pin of all) {
      const mine = await until('every replica', async () => replicasOnA(pin.requestid), r => r?.every(x => x.status === 'pinned'))
      expect(mine.map(r => r.name)).toEqual(['cafe-b', 'cafe-b-2'])
    }
    expect(a.cafe.services.pinning?.replicationStatus()).toMatchObject({ pinned: 8, failed: 0, queued: 0, pinning: 0 })
    expect(a.cafe.services.pinning?.replicationStatus('cafe-b-2')).toMatchObject({ pinned: 4 })
  }, 60_000)

  it('unpinning on A deletes the remote pins; a DAG another request still pins here stays replicated', async () => {
    const pins = (await api(a.url, alice.token, 'GET', '/api/v0/pins?limit=100')).body.results
    const [gone, kept] = pins
    // a second request for the kept DAG: one local unpin must not remove the replica
    const again = await api(a.url, alice.token, 'POST', '/api/v0/pinning/pins', JSON.stringify({ cid: kept.pin.cid }), { 'content-type': 'application/json' })
    expect(again.status).toBe(202)
    await until('the second request', async () => (await api(a.url, alice.token, 'GET', `/api/v0/pins/${again.body.requestid}`)).body.status, s => s === 'pinned')
    expect((await api(a.url, alice.token, 'DELETE', `/api/v0/pinning/pins/${gone.requestid}`)).status).toBe(202)
    expect((await api(a.url, alice.token, 'DELETE', `/api/v0/pinning/pins/${kept.requestid}`)).status).toBe(202)

    await until('B without the unpinned DAG', async () => pinsOnB(remote.token, gone.pin.cid), p => p.length === 0)
    await until('the second remote without it', async () => pinsOnB(second.token, gone.pin.cid), p => p.length === 0)
    expect((await api((b as HeadlessCafe).url, second.token, 'GET', '/api/v0/pinning/pins?limit=100')).body.count).toBe(3)
    expect(await pinsOnB(remote.token, kept.pin.cid)).toMatchObject([{ status: 'pinned' }])
    expect(await replicasOnA(again.body.requestid)).toMatchObject([{ name: 'cafe-b', status: 'pinned' }, { name: 'cafe-b-2', status: 'pinned' }])
    // the record goes once B answered the DELETE
    await until('A\'s books', async () => a.cafe.services.pinning?.replicationStatus(), s => s?.removing === 0)
    expect(a.cafe.services.pinning?.replicationStatus()).toEqual({ queued: 0, pinning: 0, pinned: 6, failed: 0, removing: 0 })
  }, 60_000)
})
