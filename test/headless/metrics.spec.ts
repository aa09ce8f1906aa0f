/**
 * What an operator's tools see: /metrics in the Prometheus text format (read back with a
 * Prometheus text parser) with counters that move as requests are made, /healthz and /readyz,
 * behind the owner secret on the HTTP port or open on their own address.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CarWriter } from '@ipld/car'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import * as raw from 'multiformats/codecs/raw'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format'
import { concat } from 'uint8arrays/concat'
import { afterEach, describe, expect, it } from 'vitest'
import { CafeClient, HttpTransport, MemorySessionStore } from '../../src/client/index.ts'
import { openDurableStores } from '../../src/headless/durable-stores.ts'
import { createHeadlessCafe, type HeadlessCafe } from '../../src/headless/headless.ts'
import { createPrometheusMetrics } from '../../src/headless/metrics.ts'
import { headlessInit, loadCafeOptions } from '../../scripts/cafe.ts'
import { writeFile } from 'node:fs/promises'
import { observabilityRoutes } from '../../src/headless/metrics-routes.ts'
import { createRelay } from '../../src/relay/relay.ts'

const SECRET = 'metrics-test-owner-secret-0123456789'

async function freePort (): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  await new Promise(resolve => server.close(resolve))
  return port
}

/** One series' value: the family's sample whose labels include `labels`; undefined if none. */
function value (families: MetricFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const family = families.find(f => f.name === name)
  const sample = family?.metrics.find(m => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
  return sample?.value == null ? undefined : Number(sample.value)
}

async function carOf (bytes: Uint8Array): Promise<{ root: CID, car: Uint8Array<ArrayBuffer> }> {
  const root = CID.createV1(raw.code, await sha256.digest(bytes))
  const { writer, out } = CarWriter.create([root])
  const parts: Uint8Array[] = []
  const collected = (async () => { for await (const part of out) parts.push(part) })()
  await writer.put({ cid: root, bytes })
  await writer.close()
  await collected
  return { root, car: concat(parts) as Uint8Array<ArrayBuffer> }
}

describe('metrics and health', () => {
  const dirs: string[] = []
  let cafe: HeadlessCafe | undefined

  afterEach(async () => {
    await cafe?.stop()
    cafe = undefined
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
  })

  async function start (init: Partial<Parameters<typeof createHeadlessCafe>[0]> = {}): Promise<HeadlessCafe> {
    const dataDir = await mkdtemp(join(tmpdir(), 'cafe-metrics-'))
    dirs.push(dataDir)
    cafe = await createHeadlessCafe({ dataDir, http: { port: 0 }, listen: ['/ip4/127.0.0.1/tcp/0'], ownerSecret: SECRET, cafe: { accounts: { open: true } }, ...init })
    return cafe
  }

  const owner = { authorization: `Bearer ${SECRET}` }

  async function scrape (url: string, headers: Record<string, string> = owner): Promise<MetricFamily[]> {
    const response = await fetch(`${url}/metrics`, { headers })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    return parsePrometheusTextFormat(await response.text())
  }

  it('/metrics counts requests by op and status, gateway bytes, pins, accounts and libp2p connections, as they happen', async () => {
    const running = await start()
    const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: new HttpTransport(running.url), store: new MemorySessionStore() })
    await client.register()
    const accessToken = (await client.session())!.accessToken

    const before = await scrape(running.url)
    const infoBefore = value(before, 'cafe_http_requests_total', { route: 'cafe.info', status: '200' }) ?? 0
    expect(value(before, 'cafe_gateway_bytes_total')).toBe(0)
    expect(value(before, 'cafe_pins', { status: 'pinned' })).toBe(0)
    for (let i = 0; i < 3; i++) expect((await fetch(`${running.url}/api/v0/cafe`)).status).toBe(200)
    expect((await fetch(`${running.url}/api/v0/no-such-route`)).status).toBe(404)
    const content = crypto.getRandomValues(new Uint8Array(40_000))
    const { root, car } = await carOf(content)
    const uploaded = await fetch(`${running.url}/api/v0/pinning/car`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/vnd.ipld.car' }, body: car })
    expect(uploaded.status).toBe(200)
    const read = await fetch(`${running.url}/ipfs/${root}`)
    expect((await read.arrayBuffer()).byteLength).toBe(content.byteLength)
    const readTwice = await fetch(`${running.url}/ipfs/${root}`)
    await readTwice.arrayBuffer()

    // a Node peer dials the cafe over TCP
    const peer = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    try {
      await peer.dial(multiaddr(running.multiaddrs()[0].toString()))
      // the answer to the last request is counted when its response has ended
      await new Promise(resolve => setTimeout(resolve, 50))
      const after = await scrape(running.url)
      expect(value(after, 'cafe_http_requests_total', { route: 'cafe.info', status: '200' })).toBe(infoBefore + 3)
      expect(value(after, 'cafe_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1)
      expect(value(after, 'cafe_http_requests_total', { route: 'pins.car', status: '200' })).toBe(1)
      expect(value(after, 'cafe_http_requests_total', { route: 'gateway', status: '200' })).toBe(2)
      expect(value(after, 'cafe_http_requests_total', { route: 'metrics', status: '200' })).toBe(1)
      expect(value(after, 'cafe_gateway_bytes_total')).toBe(2 * content.byteLength)
      expect(value(after, 'cafe_pins', { status: 'pinned' })).toBe(1)
      expect(value(after, 'cafe_pins', { status: 'failed' })).toBe(0)
      expect(value(after, 'cafe_pin_jobs', { state: 'waiting' })).toBe(0)
      expect(value(after, 'cafe_accounts')).toBe(1)
      expect(value(after, 'cafe_storage_used_bytes')).toBe(content.byteLength)
      expect(value(after, 'cafe_storage_quota_bytes')).toBeGreaterThan(0)
      expect(value(after, 'cafe_inbox_messages')).toBe(0)
      expect(value(after, 'cafe_libp2p_connections', { transport: 'tcp', direction: 'inbound' })).toBe(1)
      expect(after.find(f => f.name === 'cafe_http_request_duration_seconds')?.type).toBe('HISTOGRAM')
      expect(after.find(f => f.name === 'cafe_pin_queue_wait_seconds')?.type).toBe('HISTOGRAM')
      expect(value(after, 'process_resident_memory_bytes')).toBeGreaterThan(0)
    } finally {
      await peer.stop()
    }
  })

  it('a pin waiting for its DAG shows in the pins, the job gauge and the queue wait; the relay reservation and its connection show too', async () => {
    const relay = await createRelay({ listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
    try {
      const relayAddress = relay.multiaddrs()[0].toString()
      const running = await start({
        relays: [relayAddress],
        cafe: { accounts: { open: true }, pinning: { concurrency: 1, perAccount: 1, noProviderTimeoutMs: 60_000 } }
      })
      const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: new HttpTransport(running.url), store: new MemorySessionStore() })
      await client.register()
      const accessToken = (await client.session())!.accessToken
      // two pins of blocks no peer has: one runs (its fetch waits), the other waits for the one slot
      for (const seed of [1, 2]) {
        const cid = CID.createV1(raw.code, await sha256.digest(new Uint8Array([seed, 7, 7])))
        const added = await fetch(`${running.url}/api/v0/pins`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ cid: cid.toString() }) })
        expect(added.status).toBe(202)
      }
      const started = Date.now()
      let families = await scrape(running.url)
      while (value(families, 'cafe_relay_reserved', { relay: relay.peerId.toString() }) !== 1 || value(families, 'cafe_pins', { status: 'pinning' }) !== 1) {
        if (Date.now() - started > 15_000) throw new Error('no reservation or no running pin within 15 s')
        await new Promise(resolve => setTimeout(resolve, 100))
        families = await scrape(running.url)
      }
      expect(value(families, 'cafe_pins', { status: 'queued' })).toBe(1)
      expect(value(families, 'cafe_pin_jobs', { state: 'running' })).toBe(1)
      expect(value(families, 'cafe_pin_jobs', { state: 'waiting' })).toBe(1)
      expect(families.find(f => f.name === 'cafe_pin_queue_wait_seconds')?.metrics[0].count).toBe('1')
      expect(value(families, 'cafe_libp2p_connections', { transport: 'websockets', direction: 'outbound' })).toBe(1)
    } finally {
      await cafe?.stop()
      cafe = undefined
      await relay.stop()
    }
  })

  it('replicas on remote Pinning Services show by remote and status', async () => {
    // a remote that does not answer: the pin is kept here, its replica waits there
    const running = await start({
      cafe: { accounts: { open: true }, pinning: { replication: { remotes: [{ name: 'cluster-a', endpoint: 'http://127.0.0.1:9/pinning', accessToken: 'secret-token' }], requestTimeoutMs: 1000 } } }
    })
    const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: new HttpTransport(running.url), store: new MemorySessionStore() })
    await client.register()
    const accessToken = (await client.session())!.accessToken
    const before = await scrape(running.url)
    const total = (families: MetricFamily[]): number => (families.find(f => f.name === 'cafe_replicas')?.metrics ?? [])
      .filter(m => m.labels?.remote === 'cluster-a').reduce((sum, m) => sum + Number(m.value), 0)
    expect(total(before)).toBe(0)
    const { car } = await carOf(crypto.getRandomValues(new Uint8Array(1000)))
    expect((await fetch(`${running.url}/api/v0/pinning/car`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/vnd.ipld.car' }, body: car })).status).toBe(200)
    const after = await scrape(running.url)
    expect(total(after)).toBe(1)
    expect(value(after, 'cafe_replicas', { remote: 'cluster-a', status: 'pinned' })).toBe(0)
  })

  it('/metrics, /healthz and /readyz take the owner secret on the HTTP port', async () => {
    const running = await start()
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      const refused = await fetch(`${running.url}${path}`)
      expect(refused.status, path).toBe(401)
      expect(await refused.json()).toMatchObject({ error: { code: 'OWNER_SECRET_INVALID' } })
    }
    const health = await fetch(`${running.url}/healthz`, { headers: owner })
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ alive: true })
    const ready = await fetch(`${running.url}/readyz`, { headers: owner })
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ ready: true, checks: { stores: true, libp2p: true, services: true } })
  })

  it('with a metrics address, they are open there and absent from the HTTP port; /readyz is 503 once the cafe stops', async () => {
    const port = await freePort()
    const running = await start({ metrics: { listen: { host: '127.0.0.1', port } } })
    const metricsUrl = `http://127.0.0.1:${port}`
    expect(running.metricsServer?.url).toBe(metricsUrl)
    expect(value(await scrape(metricsUrl, {}), 'cafe_accounts')).toBe(0)
    expect((await fetch(`${metricsUrl}/readyz`)).status).toBe(200)
    expect((await fetch(`${metricsUrl}/api/v0/cafe`)).status).toBe(404)
    expect((await fetch(`${running.url}/metrics`, { headers: owner })).status).toBe(404)

    const stopping = running.stop()
    // the metrics server closes last: until then it says not ready
    const during = await fetch(`${metricsUrl}/readyz`)
    expect(during.status).toBe(503)
    expect(await during.json()).toMatchObject({ ready: false, checks: { services: false } })
    await stopping
    cafe = undefined
  })

  it('/readyz is 503 before the stores are open and libp2p started, 200 after', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cafe-ready-'))
    dirs.push(dataDir)
    let stores: Awaited<ReturnType<typeof openDurableStores>> | undefined
    const node = await createLibp2p({ start: false, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    // the checks the headless cafe gives, on real stores and a real node
    const handle = observabilityRoutes({
      metrics: createPrometheusMetrics({ processMetrics: false }),
      ready: { stores: () => stores?.datastore.db.status === 'open', libp2p: () => node.status === 'started' }
    })
    const readyz = async (): Promise<{ status: number, body: unknown }> => {
      const response = (await handle(new Request('http://cafe/readyz')))!
      return { status: response.status, body: await response.json() }
    }
    expect(await readyz()).toEqual({ status: 503, body: { ready: false, checks: { stores: false, libp2p: false } } })
    stores = await openDurableStores(dataDir)
    try {
      expect(await readyz()).toEqual({ status: 503, body: { ready: false, checks: { stores: true, libp2p: false } } })
      await node.start()
      expect(await readyz()).toEqual({ status: 200, body: { ready: true, checks: { stores: true, libp2p: true } } })
      await stores.datastore.close()
      expect((await readyz()).status).toBe(503)
    } finally {
      await node.stop()
      await stores.blockstore.close()
    }
  })

  it('the metrics address comes from --metrics-listen or the config file\'s metrics section, and a bad one stops the start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cafe-metrics-config-'))
    dirs.push(dir)
    const flagged = await loadCafeOptions(['--metrics-listen', '127.0.0.1:9464'], {})
    if (flagged === 'help') throw new Error('no help asked')
    expect(headlessInit(flagged).metrics).toEqual({ listen: { host: '127.0.0.1', port: 9464 } })
    const config = join(dir, 'cafe.json')
    await writeFile(config, JSON.stringify({ metrics: { listen: '[::1]:9100' } }))
    const fromFile = await loadCafeOptions(['--config', config], {})
    if (fromFile === 'help') throw new Error('no help asked')
    expect(fromFile.metricsListen).toEqual({ host: '::1', port: 9100 })
    const plain = await loadCafeOptions([], {})
    if (plain === 'help') throw new Error('no help asked')
    expect(headlessInit(plain).metrics).toBeUndefined()
    await expect(loadCafeOptions(['--metrics-listen', '9464'], {})).rejects.toThrow(/metrics-listen must be <host>:<port>/)
    await writeFile(config, JSON.stringify({ metrics: { port: 9100 } }))
    await expect(loadCafeOptions(['--config', config], {})).rejects.toThrow(/metrics must be/)
  })
})
