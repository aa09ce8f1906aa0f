import { generateKeyPair } from '@libp2p/crypto/keys'
import { MemoryDatastore } from 'datastore-core'
import { defaultLogger } from '@libp2p/logger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CafeBackup, CafeClient, HttpTransport, Libp2pTransport, MemorySessionStore, packCar } from '../../src/client/index.ts'
import { createGateway } from '../../src/core/gateway/index.ts'
import { addFiles } from '../../src/core/library/add-files.ts'
import { createLibrary } from '../../src/core/library/library.ts'
import { createLibp2pCafe, createTestCafe, type Libp2pCafe, type TestCafe } from './fixtures.ts'
import type { CafeTransport } from '../../src/client/index.ts'
import type { PrivateKey } from '@libp2p/interface'

const encoder = new TextEncoder()
const FILES = [
  { path: 'album/readme.md', content: encoder.encode('# my album\n') },
  { path: 'album/photos/one.bin', content: Uint8Array.from({ length: 300_000 }, (_, i) => i % 251) }
]

function httpTo (cafe: TestCafe): HttpTransport {
  return new HttpTransport('http://cafe.test', { fetch: async request => cafe.http.fetch(request, { remote: 'test' }) })
}

async function device (cafe: TestCafe, key: PrivateKey, transport: CafeTransport = httpTo(cafe)): Promise<{ client: CafeClient, backup: CafeBackup }> {
  const client = new CafeClient({ privateKey: key, transport, store: new MemorySessionStore(), clock: cafe.now })
  return { client, backup: new CafeBackup(client, key) }
}

async function registered (cafe: TestCafe, key?: PrivateKey, transport?: CafeTransport): Promise<{ client: CafeClient, backup: CafeBackup, key: PrivateKey }> {
  key ??= await generateKeyPair('Ed25519')
  const { client, backup } = await device(cafe, key, transport)
  await client.register((await cafe.owner.createToken({ uses: 1 })).token)
  return { client, backup, key }
}

async function blockCount (cafe: TestCafe): Promise<number> {
  let count = 0
  for await (const pair of cafe.helia!.blockstore.getAll()) { void pair; count++ }
  return count
}

async function readThroughGateway (cafe: TestCafe, path: string): Promise<Uint8Array> {
  const gateway = createGateway({ blockstore: cafe.helia!.blockstore, logger: defaultLogger() })
  const response = await gateway.fetch(new Request(`http://cafe.test/ipfs/${path}`))
  expect(response.status).toBe(200)
  return new Uint8Array(await response.arrayBuffer())
}

describe('backup and recovery through the client library', () => {
  let cafe: TestCafe

  beforeAll(async () => { cafe = await createTestCafe(undefined, () => ['/ip4/127.0.0.1/tcp/4001'], { storage: true }) })
  afterAll(async () => { await cafe.cafe.stop(); await cafe.helia?.stop() })

  it('a new device with only the account key signs in, recovers both snapshots and reads the pinned folder', async () => {
    const a = await registered(cafe)
    const { root, car } = await packCar(FILES)
    const uploaded = await a.backup.uploadCar(car, { name: 'album' })
    expect(uploaded.results).toMatchObject([{ status: 'pinned', pin: { cid: root.toString(), name: 'album' } }])
    await a.backup.saveSnapshot('thread-photos', { metadata: { name: 'Photos', members: 2 }, head: root.toString() })
    await a.backup.saveSnapshot('thread-notes', { metadata: { name: 'Notes' }, head: root.toString() })

    // the cafe holds only ciphertext
    const stored = await cafe.services.snapshots.get(a.client.account, 'thread-photos')
    expect(new TextDecoder().decode(stored.ciphertext)).not.toContain('Photos')

    const b = await device(cafe, a.key)
    await b.client.signIn()
    const threads = await b.backup.recover()
    expect(threads.map(t => t.threadId).sort()).toEqual(['thread-notes', 'thread-photos'])
    const photos = threads.find(t => t.threadId === 'thread-photos')!
    expect(photos.metadata).toEqual({ name: 'Photos', members: 2 })
    expect(await readThroughGateway(cafe, `${photos.head}/album/photos/one.bin`)).toEqual(FILES[1].content)
    expect(new TextDecoder().decode(await readThroughGateway(cafe, `${photos.head}/album/readme.md`))).toBe('# my album\n')
    expect((await b.backup.pins()).results.map(p => p.pin.cid)).toEqual([root.toString()])
  })

  it('a second account cannot see, read or delete the first account\'s pins and snapshots', async () => {
    const a = await registered(cafe)
    const { car } = await packCar([{ path: 'x.txt', content: encoder.encode('private') }])
    const [pin] = (await a.backup.uploadCar(car)).results
    await a.backup.saveSnapshot('thread-a', { metadata: 'mine', head: pin.pin.cid })

    const eve = await registered(cafe)
    expect((await eve.backup.pins({ status: ['queued', 'pinning', 'pinned', 'failed'] })).results).toEqual([])
    await expect(eve.backup.pinStatus(pin.requestid)).rejects.toMatchObject({ status: 404 })
    await expect(eve.backup.unpin(pin.requestid)).rejects.toMatchObject({ status: 404 })
    expect(await eve.backup.snapshots()).toEqual([])
    await expect(eve.client.call('snapshots.get', { thread: 'thread-a' })).rejects.toMatchObject({ status: 404 })
    expect((await a.backup.pinStatus(pin.requestid)).status).toBe('pinned')
    // the owner's console lists each client's pins with their status
    expect((await cafe.owner.clientPins(a.client.account)).results.map(p => [p.requestid, p.status])).toEqual([[pin.requestid, 'pinned']])
    expect((await cafe.owner.clientPins(eve.client.account)).results).toEqual([])
  })

  it('an upload over quota is refused and leaves no block behind', async () => {
    const a = await registered(cafe)
    await cafe.owner.setClientQuota(a.client.account, { storageBytes: 100_000, inboxMessages: 10, inboxBytes: 10_000 })
    const before = await blockCount(cafe)
    const { car } = await packCar([{ path: 'big.bin', content: new Uint8Array(400_000).fill(7) }])
    await expect(a.backup.uploadCar(car)).rejects.toMatchObject({ status: 413, code: 'QUOTA_EXCEEDED' })
    expect(await blockCount(cafe)).toBe(before)
  })

  it('a snapshot whose HEAD is not pinned by the account is refused', async () => {
    const a = await registered(cafe)
    const { root } = await packCar([{ path: 'y.txt', content: encoder.encode('not uploaded') }])
    await expect(a.backup.saveSnapshot('thread-y', { metadata: {}, head: root.toString() })).rejects.toMatchObject({ status: 409 })
  })

  it('the owner\'s library keeps its files when an account unpins the same blocks', async () => {
    const content = encoder.encode('shared by the owner and a client ' + Math.random())
    const library = createLibrary({ datastore: new MemoryDatastore(), logger: defaultLogger() })
    const [entry] = await addFiles({
      blockstore: cafe.helia!.blockstore,
      library,
      keep: async cid => cafe.services.pinning!.keep(cid, `library-${cid}`)
    }, [{ path: 'shared.txt', size: content.byteLength, content: (async function * () { yield content })() }])

    const a = await registered(cafe)
    const { root, car } = await packCar([{ path: 'shared.txt', content }], { wrap: false })
    expect(root.toString()).toBe(entry.cid)
    const [pin] = (await a.backup.uploadCar(car)).results
    await a.backup.unpin(pin.requestid)
    expect(await readThroughGateway(cafe, entry.cid)).toEqual(content)

    await cafe.services.pinning!.unkeep(root, `library-${root}`)
    expect(await cafe.helia!.blockstore.has(root)).toBe(false)
  })

  it('deregistering deletes the account\'s pins, snapshots and the blocks no one else needs', async () => {
    const before = await blockCount(cafe)
    const a = await registered(cafe)
    const { car, root } = await packCar([{ path: 'gone.txt', content: encoder.encode('to be deleted ' + Math.random()) }])
    await a.backup.uploadCar(car)
    await a.backup.saveSnapshot('thread-gone', { metadata: {}, head: root.toString() })
    expect(await blockCount(cafe)).toBeGreaterThan(before)
    await a.client.deregister()
    expect(await blockCount(cafe)).toBe(before)
    // registering again, the account finds nothing of what it had
    await a.client.register((await cafe.owner.createToken({ uses: 1 })).token)
    expect(await a.backup.snapshots()).toEqual([])
    expect((await a.backup.pins()).results).toEqual([])
  })
})

describe('CAR upload over libp2p (TCP on 127.0.0.1)', () => {
  let net: Libp2pCafe
  let cafe: TestCafe

  beforeAll(async () => {
    net = await createLibp2pCafe({ storage: true })
    cafe = net.cafe
  })
  afterAll(async () => { await net?.stop() })

  it('streams a CAR of several MiB in frames, and the cafe verifies and pins it', async () => {
    const content = Uint8Array.from({ length: 3 * 1024 * 1024 + 5 }, (_, i) => (i * 7) % 256)
    const a = await registered(cafe, undefined, new Libp2pTransport(net.clientNode, net.address))
    const { root, car } = await packCar([{ path: 'movie.bin', content }], { wrap: false })
    const chunks = (async function * () { for (let i = 0; i < car.byteLength; i += 100_000) yield car.subarray(i, i + 100_000) })()
    const result = await a.backup.uploadCar(chunks, { name: 'movie' })
    expect(result.results).toMatchObject([{ status: 'pinned', pin: { cid: root.toString() } }])
    expect(await readThroughGateway(cafe, root.toString())).toEqual(content)
  })

  it('a CAR with a block that does not match its CID is refused over libp2p too', async () => {
    const a = await registered(cafe, undefined, new Libp2pTransport(net.clientNode, net.address))
    const { car } = await packCar([{ path: 'x.txt', content: encoder.encode('hello hello hello') }], { wrap: false })
    const tampered = car.slice()
    tampered[tampered.byteLength - 1] ^= 0xff
    await expect(a.backup.uploadCar(tampered)).rejects.toMatchObject({ status: 400, code: 'BLOCK_MISMATCH' })
  })
})
