import { describe, expect, it } from 'vitest'
import { packCar } from '../../src/client/car.ts'
import { byteCounter, type CafeProgressEvent } from '../../src/client/progress.ts'

async function * chunks (count: number, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) yield new Uint8Array(size).fill(i)
}

describe('progress events', () => {
  it('packCar reports bytes read growing to the total of all files', async () => {
    const events: CafeProgressEvent[] = []
    await packCar([
      { path: 'f/a.bin', content: chunks(8, 128 * 1024), size: 1024 * 1024 },
      { path: 'f/b.txt', content: new TextEncoder().encode('hello') }
    ], { onProgress: evt => events.push(evt) })
    expect(events.length).toBeGreaterThan(2)
    expect(events.every(evt => evt.type === 'cafe:car:pack' && evt.detail.total === 1024 * 1024 + 5)).toBe(true)
    const bytes = events.map(evt => evt.detail.bytes)
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b))
    expect(bytes.at(-1)).toBe(1024 * 1024 + 5)
  })

  it('a byte counter spans several streams and reports the end once', async () => {
    const events: CafeProgressEvent[] = []
    const counter = byteCounter('cafe:add', 300, evt => events.push(evt), 100)
    for (const stream of [chunks(3, 50), chunks(3, 50)]) for await (const _ of counter.count(stream)) { /* drain */ }
    counter.flush()
    counter.flush()
    expect(events.map(evt => evt.detail.bytes)).toEqual([100, 200, 300])
  })
})

describe('progress events over a cafe', () => {
  it('a CAR upload over libp2p reports every frame, up to the CAR size; recover reports the snapshot bytes', async () => {
    const { generateKeyPair } = await import('@libp2p/crypto/keys')
    const { CafeBackup, CafeClient, Libp2pTransport, MemorySessionStore } = await import('../../src/client/index.ts')
    const { createLibp2pCafe } = await import('./fixtures.ts')
    const net = await createLibp2pCafe({ storage: true })
    try {
      const key = await generateKeyPair('Ed25519')
      const client = new CafeClient({ privateKey: key, transport: new Libp2pTransport(net.clientNode, net.address), store: new MemorySessionStore(), clock: net.cafe.now })
      await client.register((await net.cafe.owner.createToken({ uses: 1 })).token)
      const backup = new CafeBackup(client, key)
      let x = 7
      // no repeating chunks, so the CAR is as big as the file
      const content = Uint8Array.from({ length: 3 * 1024 * 1024 }, () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x & 0xff })
      const { root, car } = await packCar([{ path: 'movie.bin', content }], { wrap: false })
      const events: CafeProgressEvent[] = []
      await backup.uploadCar(car, { name: 'movie' }, { onProgress: evt => events.push(evt) })
      expect(events.length).toBeGreaterThan(2)
      expect(events.every(evt => evt.type === 'cafe:car:upload' && evt.detail.total === car.byteLength)).toBe(true)
      expect(events.at(-1)?.detail.bytes).toBe(car.byteLength)

      await backup.saveSnapshot('t1', { metadata: { a: 1 }, head: root.toString() })
      await backup.saveSnapshot('t2', { metadata: { b: 2 }, head: root.toString() })
      const recovering: CafeProgressEvent[] = []
      expect(await backup.recover({ onProgress: evt => recovering.push(evt) })).toHaveLength(2)
      expect(recovering.map(evt => evt.type)).toEqual(['cafe:snapshots:recover', 'cafe:snapshots:recover', 'cafe:snapshots:recover'])
      expect(recovering[0].detail.bytes).toBe(0)
      expect(recovering.at(-1)?.detail.bytes).toBe(recovering.at(-1)?.detail.total)
    } finally {
      await net.stop()
    }
  })
})
