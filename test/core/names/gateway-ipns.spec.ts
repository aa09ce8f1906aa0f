/**
 * /ipns/<name>[/path] on the gateway core: resolved through the hosted records, then served
 * as /ipfs/ with the path gateway spec's rules for mutable paths (Cache-Control from the TTL,
 * X-Ipfs-Path as requested, ETag of the content, Last-Modified of the record).
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { createIPNSRecord, marshalIPNSRecord, unmarshalIPNSRecord } from 'ipns'
import { validate } from 'ipns/validator'
import { beforeEach, describe, expect, it } from 'vitest'
import { createNameReader, createNames, type Names } from '../../../src/core/names/names.ts'
import { nameOfPeer } from '../../../src/core/names/name.ts'
import { createStorageLedger } from '../../../src/core/storage/ledger.ts'
import { addDirectory, gatewayOver, get } from '../gateway/fixtures.ts'
import type { Gateway } from '../../../src/core/gateway/index.ts'
import type { PrivateKey } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

const HOUR = 3600_000

describe('gateway: /ipns/ from the names the cafe hosts', () => {
  let blockstore: MemoryBlockstore
  let datastore: MemoryDatastore
  let names: Names
  let gateway: Gateway
  let key: PrivateKey
  let account: string
  let name: string
  let site: CID
  let now: number

  async function publish (signer: PrivateKey, value: string, seq: number, ttlSeconds = 60, lifetime = 24 * HOUR): Promise<void> {
    const peer = peerIdFromPrivateKey(signer).toString()
    await names.publish(peer, nameOfPeer(peerIdFromPrivateKey(signer)), marshalIPNSRecord(await createIPNSRecord(signer, value, seq, lifetime, { ttlNs: BigInt(ttlSeconds) * 1_000_000_000n })))
  }

  beforeEach(async () => {
    blockstore = new MemoryBlockstore()
    datastore = new MemoryDatastore()
    now = Date.now()
    const accounts = { isRegistered: async () => true, quotaOf: async () => ({ storageBytes: 1e9, inboxMessages: 10, inboxBytes: 1e6 }) }
    names = createNames({ datastore, logger: defaultLogger(), clock: () => now, accounts, ledger: createStorageLedger({ accounts, logger: defaultLogger() }) })
    // the gateway reads with the datastore alone, as the Service Worker does
    gateway = gatewayOver(blockstore, { names: createNameReader({ datastore, clock: () => now }), clock: () => now })
    key = await generateKeyPair('Ed25519')
    account = peerIdFromPrivateKey(key).toString()
    name = nameOfPeer(peerIdFromPrivateKey(key))
    site = await addDirectory(blockstore, [{ path: 'index.html', content: '<h1>hello</h1>' }, { path: 'docs/a.txt', content: 'a' }])
  })

  it('a file under the name is served with the record\'s TTL, never immutable, and the requested path as X-Ipfs-Path', async () => {
    await publish(key, `/ipfs/${site}`, 1, 90)
    const res = await get(gateway, `/ipns/${name}/docs/a.txt`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('a')
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=90')
    expect(res.headers.get('X-Ipfs-Path')).toBe(`/ipns/${name}/docs/a.txt`)
    expect(res.headers.get('ETag')).toMatch(/^"bafk/)
    expect(Date.parse(res.headers.get('Last-Modified') ?? '')).toBeGreaterThan(now - 2000)
  })

  it('the account\'s peer id names the same record; a directory redirects within /ipns/ and its index is served', async () => {
    await publish(key, `/ipfs/${site}`, 1)
    const redirect = await get(gateway, `/ipns/${account}`, { redirect: 'manual' })
    expect(redirect.status).toBe(301)
    expect(redirect.headers.get('Location')).toBe(`/ipns/${account}/`)
    expect(redirect.headers.get('Cache-Control')).toBe('public, max-age=60')
    const index = await get(gateway, `/ipns/${account}/`)
    expect(await index.text()).toBe('<h1>hello</h1>')
  })

  it('a record whose value is a path under a CID serves from that path', async () => {
    await publish(key, `/ipfs/${site}/docs`, 1)
    expect(await (await get(gateway, `/ipns/${name}/a.txt`)).text()).toBe('a')
  })

  it('a name that points to another hosted name is followed, with the shorter TTL', async () => {
    const inner = await generateKeyPair('Ed25519')
    await publish(inner, `/ipfs/${site}`, 1, 30)
    await publish(key, `/ipns/${nameOfPeer(peerIdFromPrivateKey(inner))}/docs`, 1, 300)
    const res = await get(gateway, `/ipns/${name}/a.txt`)
    expect(await res.text()).toBe('a')
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=30')
  })

  it('the TTL never outlasts the record\'s validity', async () => {
    await publish(key, `/ipfs/${site}`, 1, 3600, 20_000)
    const max = Number(/max-age=(\d+)/.exec((await get(gateway, `/ipns/${name}/docs/a.txt`)).headers.get('Cache-Control') ?? '')?.[1])
    expect(max).toBeGreaterThan(10)
    expect(max).toBeLessThanOrEqual(20)
  })

  it('a name not hosted here is 404 NAME_NOT_FOUND, an expired record too; a malformed name 400; HEAD and a Service Worker script as for /ipfs/', async () => {
    const unknown = await get(gateway, `/ipns/${nameOfPeer(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))}`)
    expect(unknown.status).toBe(404)
    expect((await unknown.json()).error.code).toBe('NAME_NOT_FOUND')

    await publish(key, `/ipfs/${site}`, 1, 60, HOUR)
    expect((await get(gateway, `/ipns/${name}/docs/a.txt`, { method: 'HEAD' })).status).toBe(200)
    now += 2 * HOUR
    const expired = await get(gateway, `/ipns/${name}/docs/a.txt`)
    expect(expired.status).toBe(404)
    expect((await expired.json()).error.code).toBe('NAME_NOT_FOUND')

    for (const bad of ['/ipns/example.com', '/ipns/bafkqaaa', '/ipns/%ff']) {
      const res = await get(gateway, bad)
      expect(res.status, bad).toBe(400)
      expect((await res.json()).error.code, bad).toBe('IPNS_NAME_INVALID')
    }
    expect((await get(gateway, `/ipns/${name}`, { headers: { 'Service-Worker': 'script' } })).status).toBe(400)
  })

  it('?format=ipns-record (or Accept) hands out the signed record itself, which the ipns package verifies; with a path, or under /ipfs/, it is 400', async () => {
    await publish(key, `/ipfs/${site}`, 7, 120)
    const asks: Array<{ query: string, headers: Record<string, string> }> = [{ query: '?format=ipns-record', headers: {} }, { query: '', headers: { Accept: 'application/vnd.ipfs.ipns-record' } }]
    for (const init of asks) {
      const res = await get(gateway, `/ipns/${name}${init.query}`, { headers: init.headers })
      expect(res.status).toBe(200)
      expect(res.headers.get('Content-Type')).toBe('application/vnd.ipfs.ipns-record')
      expect(res.headers.get('Cache-Control')).toBe('public, max-age=120')
      expect(res.headers.get('Content-Disposition')).toBe(`attachment; filename="${name}.ipns-record"`)
      expect(res.headers.get('Vary')).toBe('Accept')
      const record = unmarshalIPNSRecord(new Uint8Array(await res.arrayBuffer()))
      expect(record.value).toBe(`/ipfs/${site}`)
      expect(record.sequence).toBe(7n)
      await expect(validate(key.publicKey, marshalIPNSRecord(record))).resolves.toBeUndefined()
      const again = await get(gateway, `/ipns/${name}${init.query}`, { headers: { ...init.headers, 'If-None-Match': res.headers.get('ETag') ?? '' } })
      expect(again.status).toBe(304)
    }
    const withPath = await get(gateway, `/ipns/${name}/docs/a.txt?format=ipns-record`)
    expect(withPath.status).toBe(400)
    expect((await withPath.json()).error.code).toBe('UNSUPPORTED_FORMAT')
    expect((await get(gateway, `/ipfs/${site}?format=ipns-record`)).status).toBe(400)
    expect((await get(gateway, `/ipfs/${site}`, { headers: { Accept: 'application/vnd.ipfs.ipns-record' } })).status).toBe(400)
    const unknown = await get(gateway, `/ipns/${nameOfPeer(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))}?format=ipns-record`)
    expect(unknown.status).toBe(404)
  })

  it('a gateway without names answers every /ipns/ path 404', async () => {
    const res = await get(gatewayOver(blockstore), `/ipns/${name}`)
    expect(res.status).toBe(404)
    expect((await res.json()).error.code).toBe('NAME_NOT_FOUND')
  })
})
