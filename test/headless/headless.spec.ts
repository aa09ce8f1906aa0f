import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { CafeBackup, CafeClient, HttpTransport, Libp2pTransport, MemorySessionStore, packCar } from '../../src/client/index.ts'
import { decodeCafeAddress } from '../../src/core/address/index.ts'
import { encryptBytes, formatFileKey } from '../../src/core/crypto/index.ts'
import { createHeadlessCafe, type HeadlessCafe, type HeadlessCafeInit } from '../../src/headless/headless.ts'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

const LISTEN = ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws']
const encoder = new TextEncoder()
const pattern = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) % 251)
const PHOTO = pattern(600_000, 7)
const FILES = [
  { path: 'album/readme.md', content: encoder.encode('# my album\n') },
  { path: 'album/photos/one.bin', content: PHOTO }
]

async function ownerFetch (cafe: HeadlessCafe, path: string, init: RequestInit & { secret?: string | null } = {}): Promise<Response> {
  const secret = init.secret === undefined ? cafe.owner.secret : init.secret
  const headers = new Headers(init.headers)
  if (secret != null) headers.set('authorization', `Bearer ${secret}`)
  return fetch(`${cafe.url}${path}`, { ...init, headers })
}

async function tokenFrom (cafe: HeadlessCafe): Promise<string> {
  const response = await ownerFetch(cafe, '/api/v0/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"uses":1}' })
  expect(response.status).toBe(201)
  return (await response.json()).token
}

interface Device { key: PrivateKey, store: MemorySessionStore, client: CafeClient, backup: CafeBackup }

function deviceAt (cafe: HeadlessCafe, key: PrivateKey, store = new MemorySessionStore()): Device {
  const client = new CafeClient({ privateKey: key, transport: new HttpTransport(cafe.url), store })
  return { key, store, client, backup: new CafeBackup(client, key) }
}

async function bytesOf (response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer())
}

describe('the headless cafe over real HTTP and libp2p', () => {
  let dataDir: string
  let init: HeadlessCafeInit
  let cafe: HeadlessCafe
  let alice: Device
  let album: CID
  let clientNode: Libp2p | undefined

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cafe-headless-'))
    init = { dataDir, http: { port: 0 }, listen: LISTEN, cafe: { requests: { capacity: 1000, refillPerSecond: 1000 } } }
    cafe = await createHeadlessCafe(init)
  })

  afterAll(async () => {
    await clientNode?.stop()
    await cafe?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('serves GET /api/v0/cafe on 127.0.0.1 with its peer id and libp2p addresses', async () => {
    expect(cafe.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const info = await (await fetch(`${cafe.url}/api/v0/cafe`)).json()
    expect(info).toMatchObject({ peerId: cafe.peerId.toString(), registration: 'token' })
    expect(info.addresses).toHaveLength(2)
    expect(info.addresses.every((a: string) => a.startsWith('/ip4/127.0.0.1/tcp/') && a.endsWith(`/p2p/${cafe.peerId.toString()}`))).toBe(true)
    expect(decodeCafeAddress(cafe.address()).peerId.toString()).toBe(cafe.peerId.toString())
  })

  it('owner routes need the owner secret: missing or wrong is 401, right creates a token', async () => {
    expect(cafe.owner).toMatchObject({ source: 'file', created: true, path: join(dataDir, 'owner-secret') })
    expect((await stat(join(dataDir, 'owner-secret'))).mode & 0o777).toBe(0o600)

    for (const secret of [null, 'not-the-owner-secret-at-all']) {
      const response = await ownerFetch(cafe, '/api/v0/tokens', { method: 'POST', body: '{}', secret })
      expect(response.status).toBe(401)
      expect(await response.json()).toMatchObject({ error: { code: 'OWNER_SECRET_INVALID' } })
    }
    expect((await ownerFetch(cafe, '/api/v0/clients', { secret: null })).status).toBe(401)
    expect(await tokenFrom(cafe)).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect((await (await ownerFetch(cafe, '/api/v0/tokens')).json()).length).toBe(1)
  })

  it('a client over HTTP registers, backs up a folder CAR and reads a file back through /ipfs/ (whole and by range)', async () => {
    alice = deviceAt(cafe, await generateKeyPair('Ed25519'))
    expect(await alice.client.register(await tokenFrom(cafe))).toMatchObject({ account: alice.client.account, registered: true })
    const { root, car } = await packCar(FILES)
    album = root
    const uploaded = await alice.backup.uploadCar(car, { name: 'album' })
    expect(uploaded.results).toMatchObject([{ status: 'pinned', pin: { cid: root.toString(), name: 'album' } }])

    const whole = await fetch(`${cafe.url}/ipfs/${root}/album/photos/one.bin`)
    expect(whole.status).toBe(200)
    expect(whole.headers.get('etag')).toMatch(/^"b/)
    expect(await bytesOf(whole)).toEqual(PHOTO)
    const readme = await fetch(`${cafe.url}/ipfs/${root}/album/readme.md`)
    expect(readme.headers.get('content-type')).toMatch(/^text\/markdown/)
    expect(await readme.text()).toBe('# my album\n')

    const range = await fetch(`${cafe.url}/ipfs/${root}/album/photos/one.bin`, { headers: { range: 'bytes=300000-300099' } })
    expect(range.status).toBe(206)
    expect(range.headers.get('content-range')).toBe(`bytes 300000-300099/${PHOTO.length}`)
    expect(await bytesOf(range)).toEqual(PHOTO.subarray(300_000, 300_100))

    const head = await fetch(`${cafe.url}/ipfs/${root}/album/photos/one.bin`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe(String(PHOTO.length))
    expect((await fetch(`${cafe.url}/ipfs/${root}/album/missing.bin`)).status).toBe(404)
    expect((await fetch(`${cafe.url}/ipfs/not-a-cid`)).status).toBe(400)
  })

  it('an encrypted file is served decrypted with ?key=, by range too; a wrong key is 422', async () => {
    const plaintext = pattern(200_000, 3)
    const { key, ciphertext } = await encryptBytes(plaintext)
    const { root, car } = await packCar([{ path: 'secret.bin', content: ciphertext }], { wrap: false })
    await alice.backup.uploadCar(car, { name: 'secret' })
    const url = `${cafe.url}/ipfs/${root}?key=${formatFileKey(key)}`

    const whole = await fetch(url)
    expect(whole.status).toBe(200)
    expect(whole.headers.get('cache-control')).toBe('private, no-store')
    expect(await bytesOf(whole)).toEqual(plaintext)
    const range = await fetch(url, { headers: { range: 'bytes=70000-70009' } })
    expect(range.status).toBe(206)
    expect(await bytesOf(range)).toEqual(plaintext.subarray(70_000, 70_010))

    const wrong = await fetch(`${cafe.url}/ipfs/${root}?key=${formatFileKey(new Uint8Array(32).fill(1))}`)
    expect(wrong.status).toBe(422)
    // without the key only ciphertext is served
    expect(await bytesOf(await fetch(`${cafe.url}/ipfs/${root}`))).toEqual(ciphertext)
  })

  it('a client over libp2p registers and calls whoami, dialing TCP, then WebSockets', async () => {
    clientNode = await createLibp2p({
      transports: [tcp(), webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() }
    })
    const [overTcp, overWs] = ['/tcp/', '/ws/'].map(kind => {
      const found = cafe.multiaddrs().find(ma => kind === '/tcp/' ? !ma.toString().includes('/ws/') : ma.toString().includes('/ws/'))
      if (found == null) throw new Error(`no ${kind} address`)
      return found
    })
    const key = await generateKeyPair('Ed25519')
    const store = new MemorySessionStore()
    const bob = new CafeClient({ privateKey: key, transport: new Libp2pTransport(clientNode, overTcp, { timeoutMs: 5_000 }), store })
    expect(await bob.register(await tokenFrom(cafe))).toMatchObject({ registered: true })
    expect((await bob.whoami()).account).toBe(bob.account)
    expect(clientNode.getConnections(cafe.peerId)[0].remoteAddr.toString()).toBe(overTcp.toString())

    await clientNode.hangUp(cafe.peerId)
    const again = new CafeClient({ privateKey: key, transport: new Libp2pTransport(clientNode, overWs, { timeoutMs: 5_000 }), store })
    expect((await again.whoami()).account).toBe(bob.account)
    expect(clientNode.getConnections(cafe.peerId)[0].remoteAddr.toString()).toBe(overWs.toString())
  })

  it('bad input gets the JSON errors: malformed JSON 400, oversized body 413, unknown route 404, huge headers 431', async () => {
    const malformed = await fetch(`${cafe.url}/api/v0/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"account":' })
    expect(malformed.status).toBe(400)
    expect(await malformed.json()).toMatchObject({ error: { code: 'JSON_INVALID' } })

    const oversized = await fetch(`${cafe.url}/api/v0/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(64 * 1024) }) })
    expect(oversized.status).toBe(413)
    expect(await oversized.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } })

    for (const path of ['/api/v0/nothing', '/', '/favicon.ico']) {
      const unknown = await fetch(`${cafe.url}${path}`)
      expect(unknown.status).toBe(404)
      expect(unknown.headers.get('content-type')).toMatch(/^application\/json/)
      expect(await unknown.json()).toMatchObject({ error: { code: 'NOT_FOUND' } })
    }
    const wrongMethod = await fetch(`${cafe.url}/ipfs/${album}`, { method: 'POST', body: 'x' })
    expect(wrongMethod.status).toBe(405)

    const status = await new Promise<string>((resolve, reject) => {
      const socket = connect(cafe.http.port, '127.0.0.1', () => {
        socket.end(`GET /api/v0/cafe HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(32 * 1024)}\r\n\r\n`)
      })
      let text = ''
      socket.on('data', chunk => { text += chunk.toString() })
      socket.on('end', () => { resolve(text.split('\r\n')[0]) })
      socket.on('error', reject)
    })
    expect(status).toBe('HTTP/1.1 431 Request Header Fields Too Large')
  })

  it('a client disconnecting mid-response does not crash the server, which answers the next request', async () => {
    // a 600 KB file in small reads: the response is still streaming when the client goes
    const received = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${cafe.url}/ipfs/${album}/album/photos/one.bin`, res => {
        res.once('data', (chunk: Buffer) => { req.destroy(); resolve(chunk.byteLength) })
      })
      req.on('error', err => { if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err) })
      req.end()
    })
    expect(received).toBeLessThan(PHOTO.length)
    const next = await fetch(`${cafe.url}/ipfs/${album}/album/photos/one.bin`)
    expect(await bytesOf(next)).toEqual(PHOTO)
  })

  it('a second cafe\'s gateway fetches blocks it lacks from a connected peer over bitswap; a block nobody has is 504', async () => {
    const otherDir = await mkdtemp(join(tmpdir(), 'cafe-headless-other-'))
    const other = await createHeadlessCafe({ dataDir: otherDir, http: { port: 0 }, listen: ['/ip4/127.0.0.1/tcp/0'], networkTimeoutMs: 1_000 })
    try {
      await other.helia.libp2p.dial(cafe.multiaddrs()[0])
      const fetched = await fetch(`${other.url}/ipfs/${album}/album/readme.md`)
      expect(fetched.status).toBe(200)
      expect(await fetched.text()).toBe('# my album\n')
      expect(await other.blockstore.has(album)).toBe(true)

      const { root: nowhere } = await packCar([{ path: 'n.bin', content: pattern(100, 99) }], { wrap: false })
      const started = performance.now()
      expect((await fetch(`${other.url}/ipfs/${nowhere}`)).status).toBe(504)
      expect(performance.now() - started).toBeLessThan(3_000)
    } finally {
      await other.stop()
      await rm(otherDir, { recursive: true, force: true })
    }
  })

  it('the peer id, the owner secret, sessions and pins survive a restart on the same data dir', async () => {
    const peerId = cafe.peerId.toString()
    const secret = cafe.owner.secret
    await cafe.stop()
    cafe = await createHeadlessCafe(init)
    expect(cafe.peerId.toString()).toBe(peerId)
    expect(cafe.owner).toMatchObject({ secret, created: false })

    // the same device (its session kept) at the new URL
    const device = deviceAt(cafe, alice.key, alice.store)
    expect((await device.client.whoami()).account).toBe(alice.client.account)
    const pins = await device.backup.pins({ limit: 10 })
    expect(pins.results.map(p => p.pin.name).sort()).toEqual(['album', 'secret'])
    expect(await bytesOf(await fetch(`${cafe.url}/ipfs/${album}/album/photos/one.bin`))).toEqual(PHOTO)
    const clients = await (await ownerFetch(cafe, '/api/v0/clients')).json()
    expect(clients).toHaveLength(2)
  })
})
