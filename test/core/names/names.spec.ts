/**
 * Names a client hosts on its cafe: published over the HTTP door and the Delegated Routing
 * API, resolved by anyone, refused when forged, expired, stale, foreign or oversized (the
 * held record then unchanged), counted against the quota and gone with the account.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createIPNSRecord, createIPNSRecordWithExpiration, marshalIPNSRecord, unmarshalIPNSRecord } from 'ipns'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CafeClient, HttpTransport, MemorySessionStore, listNames, publishName, registerNameKey, resolveName } from '../../../src/client/index.ts'
import { nameOfPeer } from '../../../src/core/names/name.ts'
import { createTestCafe, type TestCafe } from '../../client/fixtures.ts'
import type { PrivateKey } from '@libp2p/interface'

const HOUR = 3600_000
const RECORD_TYPE = 'application/vnd.ipfs.ipns-record'

async function cidOf (text: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(text)))
}

async function record (key: PrivateKey, value: string, seq: number, options: { ttlNs?: bigint } = {}): Promise<Uint8Array> {
  return marshalIPNSRecord(await createIPNSRecord(key, value, seq, 24 * HOUR, { v1Compatible: true, ...options }))
}

describe('names: a client hosts its IPNS records on its cafe', () => {
  let cafe: TestCafe
  let key: PrivateKey
  let client: CafeClient
  let name: string
  let value1: string
  let value2: string

  const fetchCafe = async (path: string, init: RequestInit = {}): Promise<Response> => cafe.http.fetch(new Request(`http://cafe.test${path}`, init), { remote: 'test' })

  beforeEach(async () => {
    cafe = await createTestCafe(undefined, () => ['/ip4/127.0.0.1/tcp/4001'], { storage: true })
    key = await generateKeyPair('Ed25519')
    client = new CafeClient({ privateKey: key, transport: new HttpTransport('http://cafe.test', { fetch: async request => cafe.http.fetch(request, { remote: 'client' }) }), store: new MemorySessionStore(), clock: cafe.now })
    const { token } = await cafe.owner.createToken({ uses: 1 })
    await client.register(token)
    name = nameOfPeer(peerIdFromPrivateKey(key))
    value1 = `/ipfs/${await cidOf('one')}`
    value2 = `/ipfs/${await cidOf('two')}`
  })

  afterEach(async () => {
    await cafe.cafe.stop()
    await cafe.helia?.stop()
  })

  it('a published record resolves for anyone, under any spelling of the name', async () => {
    const info = await publishName(client, await record(key, value1, 1))
    expect(info).toMatchObject({ name, value: value1, sequence: '1' })
    const anyone = new HttpTransport('http://cafe.test', { fetch: async request => cafe.http.fetch(request, { remote: 'anyone' }) })
    for (const spelling of [name, client.account, peerIdFromPrivateKey(key).toCID().toString()]) {
      const resolved = await resolveName(anyone, spelling)
      expect(resolved.record.value).toBe(value1)
      expect(resolved.record.sequence).toBe(1n)
    }
    expect(await listNames(client)).toEqual([expect.objectContaining({ name, value: value1, sequence: '1' })])
  })

  it('a higher sequence replaces the record; a lower or equal one is refused and the held record stays', async () => {
    await publishName(client, await record(key, value1, 5))
    await expect(publishName(client, await record(key, value2, 5))).rejects.toMatchObject({ status: 409, code: 'RECORD_STALE' })
    await expect(publishName(client, await record(key, value2, 4))).rejects.toMatchObject({ status: 409, code: 'RECORD_STALE' })
    expect((await cafe.services.names.resolve(name)).value).toBe(value1)
    await publishName(client, await record(key, value2, 6))
    expect((await cafe.services.names.resolve(name)).value).toBe(value2)
  })

  it('a forged, expired, foreign or oversized record is refused with a JSON error and changes nothing', async () => {
    await publishName(client, await record(key, value1, 1))
    const held = (await cafe.services.names.resolve(name)).record

    // forged: a valid record of another key, sent for this name
    const other = await generateKeyPair('Ed25519')
    await expect(publishName(client, await record(other, value2, 2), { name })).rejects.toMatchObject({ status: 400, code: 'RECORD_SIGNATURE_INVALID' })
    // forged: this key's record with its value changed after signing
    const tampered = unmarshalIPNSRecord(await record(key, value2, 3))
    const signed = unmarshalIPNSRecord(await record(key, value1, 3))
    await expect(publishName(client, marshalIPNSRecord({ ...signed, data: tampered.data }))).rejects.toMatchObject({ status: 400, code: 'RECORD_SIGNATURE_INVALID' })
    // expired
    const expired = marshalIPNSRecord(await createIPNSRecordWithExpiration(key, value2, 4, new Date(Date.now() - HOUR).toISOString()))
    await expect(publishName(client, expired)).rejects.toMatchObject({ status: 400, code: 'RECORD_EXPIRED' })
    // someone else's key, correctly signed by it: not this account's to host
    await expect(publishName(client, await record(other, value2, 2), { name: nameOfPeer(peerIdFromPrivateKey(other)) })).rejects.toMatchObject({ status: 403, code: 'NAME_FOREIGN' })
    // oversized: extensible data past the 10 KiB limit
    const big = marshalIPNSRecord(await createIPNSRecord(key, `${value2}/${'x'.repeat(11 * 1024)}`, 5, HOUR))
    const response = await fetchCafe(`/api/v0/names/${name}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${(await client.session())!.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ record: Buffer.from(big).toString('base64') })
    })
    expect(response.status).toBe(413)
    expect(await response.json()).toEqual({ error: { code: 'RECORD_TOO_LARGE', message: expect.any(String) } })
    // malformed
    await expect(publishName(client, new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ status: 400, code: 'RECORD_INVALID' })
    await expect(publishName(client, await record(key, value2, 9), { name: 'not-a-name' })).rejects.toMatchObject({ status: 400, code: 'IPNS_NAME_INVALID' })

    expect((await cafe.services.names.resolve(name)).record).toEqual(held)
  })

  it('an unregistered caller cannot publish', async () => {
    const response = await fetchCafe(`/api/v0/names/${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ record: Buffer.from(await record(key, value1, 1)).toString('base64') })
    })
    expect(response.status).toBe(401)
    await expect(cafe.services.names.resolve(name)).rejects.toMatchObject({ code: 'NAME_NOT_FOUND' })
  })

  it('a key the account registered may be published for; the proof must be signed by that key', async () => {
    const extra = await generateKeyPair('Ed25519')
    const extraName = nameOfPeer(peerIdFromPrivateKey(extra))
    const forged = await client.call('names.addKey', { publicKey: Buffer.from(extra.publicKey.raw).toString('base64'), signature: 'AAAA' }).catch(err => err)
    expect(forged).toMatchObject({ status: 400 })
    expect(await registerNameKey(client, extra)).toEqual({ name: extraName })
    const info = await publishName(client, await record(extra, value2, 1), { name: extraName })
    expect(info.name).toBe(extraName)
    expect((await listNames(client)).map(n => n.name)).toEqual([extraName])
  })

  it('a name another account holds the key for moves to it when it publishes higher, with its quota use', async () => {
    await publishName(client, await record(key, value1, 1))
    const other = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: new HttpTransport('http://cafe.test', { fetch: async request => cafe.http.fetch(request, { remote: 'other' }) }), store: new MemorySessionStore(), clock: cafe.now })
    await other.register((await cafe.owner.createToken({ uses: 1 })).token)
    await expect(publishName(other, await record(key, value2, 2), { name })).rejects.toMatchObject({ status: 403, code: 'NAME_FOREIGN' })
    await registerNameKey(other, key)
    await publishName(other, await record(key, value2, 2), { name })
    expect(await listNames(client)).toEqual([])
    expect((await listNames(other)).map(n => n.value)).toEqual([value2])
    expect((await cafe.services.names.usageOf(client.account)).names).toBe(0)
    expect((await cafe.services.names.usageOf(other.account)).names).toBe(1)
  })

  it('records count against the storage quota and go with the account', async () => {
    const bytes = await record(key, value1, 1)
    await publishName(client, bytes)
    const [row] = await cafe.owner.listClients()
    expect(row.usage).toMatchObject({ names: 1, nameBytes: bytes.byteLength })
    expect(row.usage.storageBytes).toBe(bytes.byteLength)
    expect(await cafe.owner.clientNames(client.account)).toEqual([expect.objectContaining({ name, sequence: '1' })])

    await cafe.owner.setClientQuota(client.account, { ...row.quota, storageBytes: bytes.byteLength + 10 })
    await expect(publishName(client, await record(key, `${value2}/${'y'.repeat(200)}`, 2))).rejects.toMatchObject({ status: 413, code: 'QUOTA_EXCEEDED' })
    expect((await cafe.services.names.resolve(name)).value).toBe(value1)

    await cafe.owner.removeClient(client.account)
    await expect(cafe.services.names.resolve(name)).rejects.toMatchObject({ status: 404, code: 'NAME_NOT_FOUND' })
    expect(await cafe.services.names.usageOf(client.account)).toEqual({ names: 0, nameBytes: 0 })
    expect(await cafe.services.names.list(client.account)).toEqual([])
  })

  it('a record past its validity gives its quota back when swept, and the name still refuses a lower sequence', async () => {
    const short = marshalIPNSRecord(await createIPNSRecord(key, value1, 5, HOUR, { v1Compatible: true }))
    await publishName(client, short)
    expect((await cafe.services.names.usageOf(client.account)).nameBytes).toBe(short.byteLength)
    cafe.advance(2 * HOUR)
    expect(await cafe.services.names.sweep()).toBe(1)
    expect(await cafe.services.names.sweep()).toBe(0)
    expect(await cafe.services.names.usageOf(client.account)).toEqual({ names: 1, nameBytes: 0 })
    await expect(cafe.services.names.resolve(name)).rejects.toMatchObject({ status: 404, code: 'NAME_NOT_FOUND' })
    // an older record, still valid by its own dates, replayed after the sweep
    const older = marshalIPNSRecord(await createIPNSRecord(key, value2, 4, 48 * HOUR, { v1Compatible: true }))
    await expect(publishName(client, older)).rejects.toMatchObject({ status: 409, code: 'RECORD_STALE' })
    const newer = marshalIPNSRecord(await createIPNSRecord(key, value2, 6, 48 * HOUR, { v1Compatible: true }))
    await publishName(client, newer)
    expect((await cafe.services.names.resolve(name)).value).toBe(value2)
    expect((await cafe.services.names.usageOf(client.account)).nameBytes).toBe(newer.byteLength)
  })

  describe('Delegated Routing V1 HTTP API', () => {
    it('GET /routing/v1/ipns/{name} answers the record with its caching headers and CORS', async () => {
      const bytes = await record(key, value1, 1, { ttlNs: 120n * 1_000_000_000n })
      await publishName(client, bytes)
      const response = await fetchCafe(`/routing/v1/ipns/${name}`, { headers: { accept: RECORD_TYPE } })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe(RECORD_TYPE)
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      expect(response.headers.get('cache-control')).toMatch(/^public, max-age=120, stale-while-revalidate=\d+, stale-if-error=\d+$/)
      expect(response.headers.get('etag')).toMatch(/^"[a-z2-7]+"$/)
      expect(response.headers.get('vary')).toBe('Accept')
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes)
    })

    it('GET without the record type in Accept is 406; an unknown name is 404; a malformed one 400', async () => {
      await publishName(client, await record(key, value1, 1))
      expect((await fetchCafe(`/routing/v1/ipns/${name}`, { headers: { accept: 'application/json' } })).status).toBe(406)
      const other = nameOfPeer(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))
      const missing = await fetchCafe(`/routing/v1/ipns/${other}`, { headers: { accept: RECORD_TYPE } })
      expect(missing.status).toBe(404)
      expect((await missing.json()).error.code).toBe('NAME_NOT_FOUND')
      const bad = await fetchCafe('/routing/v1/ipns/example.com', { headers: { accept: RECORD_TYPE } })
      expect(bad.status).toBe(400)
      expect((await bad.json()).error.code).toBe('IPNS_NAME_INVALID')
    })

    it('PUT /routing/v1/ipns/{name} publishes for a registered client and refuses anonymous or stale records', async () => {
      const { accessToken } = (await client.session())!
      const put = async (bytes: Uint8Array, headers: Record<string, string>): Promise<Response> =>
        fetchCafe(`/routing/v1/ipns/${name}`, { method: 'PUT', headers: { 'content-type': RECORD_TYPE, ...headers }, body: bytes as Uint8Array<ArrayBuffer> })
      expect((await put(await record(key, value1, 1), {})).status).toBe(401)
      expect((await put(await record(key, value1, 1), { authorization: `Bearer ${accessToken}` })).status).toBe(200)
      const stale = await put(await record(key, value2, 1), { authorization: `Bearer ${accessToken}` })
      expect(stale.status).toBe(409)
      expect((await stale.json()).error.code).toBe('RECORD_STALE')
      const wrongType = await fetchCafe(`/routing/v1/ipns/${name}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${accessToken}` }, body: await record(key, value2, 2) as Uint8Array<ArrayBuffer> })
      expect(wrongType.status).toBe(406)
      expect((await cafe.services.names.resolve(name)).value).toBe(value1)
    })

    it('GET /routing/v1/providers/{cid} names the cafe for what it stores, in JSON or NDJSON, and nothing else', async () => {
      const bytes = new TextEncoder().encode('stored here')
      const cid = CID.createV1(raw.code, await sha256.digest(bytes))
      await cafe.helia!.blockstore.put(cid, bytes)
      const json = await fetchCafe(`/routing/v1/providers/${cid}`, { headers: { accept: 'application/json' } })
      expect(json.status).toBe(200)
      expect(json.headers.get('content-type')).toBe('application/json')
      expect(await json.json()).toEqual({ Providers: [{ Schema: 'peer', ID: cafe.peerId, Addrs: ['/ip4/127.0.0.1/tcp/4001'], Protocols: ['transport-bitswap'] }] })
      const ndjson = await fetchCafe(`/routing/v1/providers/${cid}`, { headers: { accept: 'application/x-ndjson' } })
      expect(ndjson.headers.get('content-type')).toBe('application/x-ndjson')
      expect((await ndjson.text()).trim().split('\n').map(line => JSON.parse(line).ID)).toEqual([cafe.peerId])

      const elsewhere = await fetchCafe(`/routing/v1/providers/${await cidOf('not here')}`)
      expect(elsewhere.status).toBe(200)
      expect(await elsewhere.json()).toEqual({ Providers: [] })
      expect((await fetchCafe('/routing/v1/providers/not-a-cid')).status).toBe(422)
    })

    it('answers CORS preflights, 400 for unknown paths and 501 for what it does not implement', async () => {
      const preflight = await fetchCafe(`/routing/v1/ipns/${name}`, { method: 'OPTIONS' })
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get('access-control-allow-methods')).toContain('GET')
      expect((await fetchCafe('/routing/v1/nothing/here')).status).toBe(400)
      expect((await fetchCafe('/routing/v1/dht/closest/peers/x')).status).toBe(501)
      expect((await fetchCafe(`/routing/v1/providers/${await cidOf('x')}`, { method: 'PUT', body: '{}' })).status).toBe(501)
    })
  })
})
