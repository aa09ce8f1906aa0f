/**
 * A client publishes its name to a headless cafe and goes away; standard Helia clients with
 * the cafe as their only delegated router (and gateway) resolve it: @helia/ipns through
 * @helia/delegated-routing-v1-http-api-client, then the republished value; @helia/verified-fetch
 * opens ipns://<name>; the cafe's own gateway serves /ipns/<name> with the record's TTL.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { delegatedRoutingV1HttpApiClient } from '@helia/delegated-routing-v1-http-api-client'
import { defaultLogger } from '@libp2p/logger'
import { withHTTP } from '@helia/http'
import { ipns } from '@helia/ipns'
import { createVerifiedFetchWithHelia } from '@helia/verified-fetch'
import { createHeliaLight } from 'helia'
import { createIPNSRecord, marshalIPNSRecord, unmarshalIPNSRecord } from 'ipns'
import { importer } from 'ipfs-unixfs-importer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CafeClient, HttpTransport, MemorySessionStore, publishName } from '../../src/client/index.ts'
import { nameOfPeer } from '../../src/core/names/name.ts'
import { createHeadlessCafe, type HeadlessCafe } from '../../src/headless/headless.ts'
import type { Helia, Router } from '@helia/interface'
import type { PrivateKey } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

const DAY = 24 * 3600_000

describe('interop: Helia clients resolve a name a client hosts on a headless cafe', () => {
  let dataDir: string
  let cafe: HeadlessCafe
  let helia: Helia
  let key: PrivateKey
  let name: string
  let first: CID
  let second: CID

  async function addFile (path: string, text: string): Promise<CID> {
    let root: CID | undefined
    for await (const entry of importer([{ path, content: new TextEncoder().encode(text) }], cafe.blockstore, { wrapWithDirectory: true })) root = entry.cid
    return root!
  }

  async function publish (value: CID, seq: number): Promise<void> {
    // the client publishes over the cafe's HTTP door, then is gone: nothing of it stays online
    const client = new CafeClient({ privateKey: key, transport: new HttpTransport(cafe.url), store: new MemorySessionStore() })
    if (seq === 1) {
      const { token } = await cafe.cafe.owner.createToken({ uses: 1 })
      await client.register(token)
    } else {
      await client.signIn()
    }
    await publishName(client, marshalIPNSRecord(await createIPNSRecord(key, `/ipfs/${value}`, seq, DAY, { ttlNs: 30n * 1_000_000_000n })))
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cafe-names-'))
    cafe = await createHeadlessCafe({ dataDir, http: { port: 0 }, listen: ['/ip4/127.0.0.1/tcp/0'], networkTimeoutMs: 500 })
    key = await generateKeyPair('Ed25519')
    name = nameOfPeer(peerIdFromPrivateKey(key))
    first = await addFile('index.txt', 'first version\n')
    second = await addFile('index.txt', 'second version\n')
    // Helia over HTTP only, the cafe its one delegated router and one gateway (see verified-fetch-interop.spec.ts for `nothing`)
    const nothing: Router = { name: 'nothing', async * findProviders () {} }
    helia = withHTTP(createHeliaLight({ routers: [nothing] }), { delegatedRouters: [cafe.url], recursiveGateways: [cafe.url], allowLocal: true, allowInsecure: true })
    await helia.start()
  }, 60_000)

  afterAll(async () => {
    await helia?.stop()
    await cafe?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('@helia/ipns resolves the published name, then the republished value', async () => {
    await publish(first, 1)
    const resolver = ipns(helia)
    const resolve = async (): Promise<string> => {
      let value = ''
      for await (const result of resolver.resolve(name, { nocache: true, signal: AbortSignal.timeout(10_000) })) value = result.value
      return value
    }
    expect(await resolve()).toBe(`/ipfs/${first}`)
    await publish(second, 2)
    expect(await resolve()).toBe(`/ipfs/${second}`)
  })

  it('the delegated routing client reads the record and finds the cafe as a provider of what it stores', async () => {
    const routing = delegatedRoutingV1HttpApiClient({ url: cafe.url, cacheTTL: 0 })({ logger: defaultLogger() })
    await routing.start()
    try {
      const nameCid = peerIdFromPrivateKey(key).toCID()
      const record = unmarshalIPNSRecord(await routing.getIPNS(nameCid, { signal: AbortSignal.timeout(10_000) }))
      expect(record.value).toBe(`/ipfs/${second}`)
      expect(record.sequence).toBe(2n)
      // a PUT needs a registered client's session, which this client cannot send: refused, the record stays
      await expect(routing.putIPNS(nameCid, marshalIPNSRecord(await createIPNSRecord(key, `/ipfs/${first}`, 3, DAY)))).rejects.toThrow()
      expect((await cafe.cafe.services.names.resolve(name)).sequence).toBe('2')
      const providers = []
      for await (const provider of routing.getProviders(second, { signal: AbortSignal.timeout(10_000) })) providers.push(provider)
      expect(providers.map(p => p.ID.toString())).toEqual([cafe.peerId.toCID().toString()])
      expect(providers[0].Addrs.map(String)).toContain(`/ip4/127.0.0.1/tcp/${cafe.http.port}/http`)
      const none = []
      for await (const provider of routing.getProviders(peerIdFromPrivateKey(key).toCID(), { signal: AbortSignal.timeout(10_000) })) none.push(provider)
      expect(none).toEqual([])
    } finally {
      await routing.stop()
    }
  })

  it('@helia/verified-fetch opens ipns://<name> through the cafe', async () => {
    const verifiedFetch = await createVerifiedFetchWithHelia(helia)
    const response = await verifiedFetch(`ipns://${name}/index.txt`, { signal: AbortSignal.timeout(20_000) })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('second version\n')
  })

  it('the cafe\'s gateway serves /ipns/<name>/path with the record\'s TTL, not immutable; an unknown name is 404', async () => {
    const response = await fetch(`${cafe.url}/ipns/${name}/index.txt`)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('second version\n')
    expect(response.headers.get('cache-control')).toBe('public, max-age=30')
    expect(response.headers.get('x-ipfs-path')).toBe(`/ipns/${name}/index.txt`)
    expect(response.headers.get('last-modified')).not.toBeNull()

    const directory = await fetch(`${cafe.url}/ipns/${peerIdFromPrivateKey(key)}`, { redirect: 'manual' })
    expect(directory.status).toBe(301)
    expect(directory.headers.get('location')).toBe(`/ipns/${peerIdFromPrivateKey(key)}/`)
    expect(directory.headers.get('cache-control')).toBe('public, max-age=30')

    const unknown = await fetch(`${cafe.url}/ipns/${nameOfPeer(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))}`)
    expect(unknown.status).toBe(404)
    expect((await unknown.json()).error.code).toBe('NAME_NOT_FOUND')
    const malformed = await fetch(`${cafe.url}/ipns/not-a-name`)
    expect(malformed.status).toBe(400)
    expect((await malformed.json()).error.code).toBe('IPNS_NAME_INVALID')
  })
})
