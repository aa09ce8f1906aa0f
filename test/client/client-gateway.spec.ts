import { describe, it, expect, beforeAll } from 'vitest'
import { MemoryBlockstore } from 'blockstore-core'
import { EventEmitter } from 'node:events'
import { peerIdFromString } from '@libp2p/peer-id'
import { packCar } from '../../src/client/car.ts'
import { BlockCache } from '../../src/client/block-cache.ts'
import { cafeBlockFetcher } from '../../src/client/cafe-blocks.ts'
import { createClientGateway } from '../../src/client/client-gateway.ts'
import { pseudoRandomBytes } from '../core/crypto/helpers.ts'
import { CarReader } from '@ipld/car'
import type { CID } from 'multiformats/cid'
import type { AbortOptions } from '../../src/core/types.ts'

const base = 'http://app.example/ipfs'

/** A cafe's blocks as a client would get them: whatever `fetchBlock` answers. */
describe('the client gateway (content from the cafe, checked block by block)', () => {
  const blocks = new MemoryBlockstore()
  const video = pseudoRandomBytes(3 * 1024 * 1024 + 17, 3)
  let root: CID
  const asked: string[] = []
  const fromCafe = async (cid: CID): Promise<Uint8Array> => {
    asked.push(cid.toString())
    const chunks: Uint8Array[] = []
    for await (const chunk of blocks.get(cid)) chunks.push(chunk)
    return Buffer.concat(chunks)
  }

  beforeAll(async () => {
    const packed = await packCar([{ path: 'clip.mp4', content: video }, { path: 'notes.txt', content: new TextEncoder().encode('hello') }])
    root = packed.root
    const reader = await CarReader.fromBytes(packed.car)
    for await (const { cid, bytes } of reader.blocks()) await blocks.put(cid, bytes)
  })

  it('serves a file with its type, and a range as 206 with exactly those bytes', async () => {
    const gateway = createClientGateway({ fetchBlock: fromCafe })
    const whole = await gateway.fetch(new Request(`${base}/${root}/notes.txt`))
    expect(whole.status).toBe(200)
    expect(whole.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await whole.text()).toBe('hello')
    const part = await gateway.fetch(new Request(`${base}/${root}/clip.mp4`, { headers: { range: 'bytes=2097150-2097160' } }))
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe(`bytes 2097150-2097160/${video.length}`)
    expect(Buffer.from(await part.arrayBuffer()).equals(Buffer.from(video.subarray(2097150, 2097161)))).toBe(true)
  })

  it('keeps blocks it fetched: reading again asks the cafe nothing', async () => {
    const gateway = createClientGateway({ fetchBlock: fromCafe })
    await (await gateway.fetch(new Request(`${base}/${root}/notes.txt`))).text()
    const before = asked.length
    expect(await (await gateway.fetch(new Request(`${base}/${root}/notes.txt`))).text()).toBe('hello')
    expect(asked.length).toBe(before)
  })

  it('refuses bytes that do not match their CID (502 BLOCK_INVALID)', async () => {
    const gateway = createClientGateway({ fetchBlock: async () => new TextEncoder().encode('forged') })
    const response = await gateway.fetch(new Request(`${base}/${root}/notes.txt`))
    expect(response.status).toBe(502)
    expect((await response.json()).error.code).toBe('BLOCK_INVALID')
  })

  it('a malformed CID is 400 CID_INVALID, an unknown one 504 BLOCK_UNAVAILABLE in the time limit', async () => {
    const gateway = createClientGateway({ fetchBlock: async (_cid, { signal }: AbortOptions) => new Promise((_resolve, reject) => { signal?.addEventListener('abort', () => { reject(signal.reason) }) }) }, { blockTimeoutMs: 200 })
    const bad = await gateway.fetch(new Request(`${base}/not-a-cid`))
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.code).toBe('CID_INVALID')
    const started = Date.now()
    const unknown = await gateway.fetch(new Request(`${base}/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy`))
    expect(unknown.status).toBe(504)
    expect((await unknown.json()).error.code).toBe('BLOCK_UNAVAILABLE')
    expect(Date.now() - started).toBeLessThan(1_000)
  })
})

describe('the block cache', () => {
  it('drops the least recently used block when over its budget', async () => {
    const packed = await packCar([{ path: 'a', content: pseudoRandomBytes(1000, 1) }, { path: 'b', content: pseudoRandomBytes(1000, 2) }, { path: 'c', content: pseudoRandomBytes(1000, 3) }], { wrap: false })
    const reader = await CarReader.fromBytes(packed.car)
    const pairs: Array<{ cid: CID, bytes: Uint8Array }> = []
    for await (const block of reader.blocks()) pairs.push(block)
    const leaves = pairs.filter(pair => pair.bytes.length === 1000)
    expect(leaves).toHaveLength(3)
    const cache = new BlockCache(2500)
    await cache.put(leaves[0].cid, leaves[0].bytes)
    await cache.put(leaves[1].cid, leaves[1].bytes)
    // read the first: the second is now the oldest
    for await (const _chunk of cache.get(leaves[0].cid)) { /* touch */ }
    await cache.put(leaves[2].cid, leaves[2].bytes)
    expect(await cache.has(leaves[0].cid)).toBe(true)
    expect(await cache.has(leaves[1].cid)).toBe(false)
    expect(await cache.has(leaves[2].cid)).toBe(true)
    expect(cache.size).toBe(2000)
    await expect((async () => { for await (const _chunk of cache.get(leaves[1].cid)) { /* none */ } })()).rejects.toMatchObject({ name: 'NotFoundError' })
  })
})

describe('blocks from the connected cafe (cafeBlockFetcher)', () => {
  const cafe = peerIdFromString('12D3KooWGzNdbYsxjfhLVQx59AFgDFprYWDVhBEXYLNbGsKZuEcq')

  function fakeConnection () {
    const events = new EventEmitter()
    const connection = {
      status: 'open' as string,
      addEventListener: (name: string, listener: () => void) => { events.on(name, listener) },
      removeEventListener: (name: string, listener: () => void) => { events.off(name, listener) },
      close () { connection.status = 'closed'; events.emit('close') }
    }
    return connection
  }

  it('a connection that closes mid-fetch fails the fetch at once with CAFE_UNREACHABLE', async () => {
    const connection = fakeConnection()
    const helia = {
      blockstore: {
        get: (_cid: CID, { signal }: AbortOptions = {}) => (async function * () {
          await new Promise((_resolve, reject) => { signal?.addEventListener('abort', () => { reject(signal.reason) }) })
          yield new Uint8Array()
        })()
      }
    }
    const fetchBlock = cafeBlockFetcher(helia as any, { peerId: cafe, open: async () => connection as any })
    const started = Date.now()
    const fetching = fetchBlock((await packCar([{ path: 'x', content: new Uint8Array([1]) }], { wrap: false })).root)
    setTimeout(() => { connection.close() }, 50)
    await expect(fetching).rejects.toMatchObject({ code: 'CAFE_UNREACHABLE', message: expect.stringContaining(cafe.toString()) })
    expect(Date.now() - started).toBeLessThan(500)
  })
})
