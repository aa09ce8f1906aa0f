/**
 * The rules issue 12 found broken, each as a user sees it (path and trustless gateway
 * specs, IPIP-0524). The conformance suites under conformance/ carry the spec's own cases.
 */
import { CarBlockIterator } from '@ipld/car'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { beforeAll, describe, expect, it } from 'vitest'
import { addDirectory, addFile, bodyBytes, get, gatewayOver, patternBytes } from './fixtures.ts'
import type { Gateway } from '../../../src/core/gateway/index.ts'
import type { CID } from 'multiformats/cid'

async function carCids (res: Response): Promise<string[]> {
  const out: string[] = []
  for await (const { cid } of await CarBlockIterator.fromBytes(await bodyBytes(res))) out.push(cid.toString())
  return out
}

describe('gateway: the path and trustless gateway spec rules', () => {
  let blockstore: MemoryBlockstore
  let gateway: Gateway
  let big: CID
  let leaves: string[]
  let dir: CID
  const content = patternBytes(20 * 1024, 4) // 20 leaves of 1 KiB

  beforeAll(async () => {
    blockstore = new MemoryBlockstore()
    gateway = gatewayOver(blockstore)
    big = await addFile(blockstore, content)
    const root: Uint8Array[] = []
    for await (const c of blockstore.get(big)) root.push(c)
    leaves = dagPb.decode(root[0]).Links.map(l => l.Hash.toString())
    dir = await addDirectory(blockstore, [{ path: 'a.txt', content: 'a' }, { path: 'b/c.txt', content: 'c' }])
  })

  it('a path into a single-block dag-pb file is 404 for the file, its raw block and its CAR', async () => {
    let single: CID | undefined
    for await (const entry of importer([{ content: new TextEncoder().encode('one block') }], blockstore, { rawLeaves: false, reduceSingleLeafToSelf: true, chunker: fixedSize({ chunkSize: 1024 }) })) single = entry.cid
    expect(single?.code).toBe(dagPb.code)
    for (const query of ['', '?format=raw', '?format=car']) {
      const res = await get(gateway, `/ipfs/${single}/anything${query}`)
      expect(res.status, query).toBe(404)
      expect(res.headers.get('X-Ipfs-Path')).toBeNull()
      expect(res.headers.get('Cache-Control')).toBe('no-store')
    }
    expect(await (await get(gateway, `/ipfs/${single}`)).text()).toBe('one block')
  })

  it('entity-bytes sends only the blocks of the range: 0:99 the root and the first leaf, -1024:* the root and the last', async () => {
    const head = await get(gateway, `/ipfs/${big}?format=car&dag-scope=entity&entity-bytes=0:99`)
    expect(await carCids(head)).toEqual([big.toString(), leaves[0]])
    const tail = await get(gateway, `/ipfs/${big}?format=car&entity-bytes=-1024:*`)
    expect(await carCids(tail)).toEqual([big.toString(), leaves[19]])
    const middle = await get(gateway, `/ipfs/${big}?format=car&entity-bytes=1500:3000`)
    expect(await carCids(middle)).toEqual([big.toString(), leaves[1], leaves[2]])
  })

  it('entity-bytes wholly outside the file is 400; one that resolves to no byte is the root block alone', async () => {
    const outside = await get(gateway, `/ipfs/${big}?format=car&entity-bytes=${content.length}:*`)
    expect(outside.status).toBe(400)
    expect((await outside.json()).error.code).toBe('ENTITY_BYTES_OUTSIDE')
    expect((await get(gateway, `/ipfs/${big}?format=car&entity-bytes=abc`)).status).toBe(400)
    expect(await carCids(await get(gateway, `/ipfs/${big}?format=car&entity-bytes=5000:-18000`))).toEqual([big.toString()])
  })

  it('a CAR ETag differs with dag-scope, entity-bytes and duplicates, and is stable for the same request', async () => {
    const queries = ['', '&dag-scope=all', '&dag-scope=entity', '&dag-scope=block', '&entity-bytes=0:99', '&entity-bytes=0:100', '&car-dups=y']
    const tags: string[] = []
    for (const q of queries) {
      const res = await get(gateway, `/ipfs/${big}?format=car${q}`, { method: 'HEAD' })
      tags.push(res.headers.get('ETag') as string)
    }
    // '' and dag-scope=all are the same request
    expect(tags[0]).toBe(tags[1])
    expect(new Set(tags.slice(1)).size).toBe(queries.length - 1)
    const again = await get(gateway, `/ipfs/${big}?format=car&entity-bytes=0:99`, { headers: { 'If-None-Match': tags[4] } })
    expect(again.status).toBe(304)
  })

  it('dag-scope=entity of a directory is its own block; dups=y asked by Accept is served, not 406', async () => {
    expect(await carCids(await get(gateway, `/ipfs/${dir}?format=car&dag-scope=entity`))).toEqual([dir.toString()])
    const dups = await get(gateway, `/ipfs/${dir}`, { headers: { Accept: 'application/vnd.ipld.car; dups=y' } })
    expect(dups.status).toBe(200)
    expect(dups.headers.get('Content-Type')).toBe('application/vnd.ipld.car; version=1; order=dfs; dups=y')
    expect(dups.headers.get('Content-Location')).toBe(`/ipfs/${dir}?format=car&car-dups=y`)
    await dups.body?.cancel()
  })

  it('every response varies on Accept, and a CAR is not ranged (Accept-Ranges: none)', async () => {
    for (const path of [`/ipfs/${big}`, `/ipfs/${big}?format=raw`, `/ipfs/${big}?format=car`, `/ipfs/${dir}/`, `/ipfs/${dir}`]) {
      const res = await get(gateway, path, { method: 'HEAD' })
      expect(res.headers.get('Vary'), path).toBe('Accept')
    }
    const car = await get(gateway, `/ipfs/${big}?format=car`, { headers: { Range: 'bytes=0-10' } })
    expect(car.status).toBe(200)
    expect(car.headers.get('Accept-Ranges')).toBe('none')
    await car.body?.cancel()
  })

  it('a recursive gateway does not search the network for the root of a trustless request: 404 at once', async () => {
    const asked: string[] = []
    const recursive = gatewayOver(new MemoryBlockstore(), { fetchBlock: async (cid) => { asked.push(cid.toString()); return new Promise(() => {}) } }, { networkTimeoutMs: 5_000 })
    const started = Date.now()
    for (const init of [{}, { method: 'HEAD' }]) {
      expect((await get(recursive, `/ipfs/${big}?format=raw`, init)).status).toBe(404)
      expect((await get(recursive, `/ipfs/${big}?format=car`, init)).status).toBe(404)
    }
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(asked).toEqual([])
  })

  it('a deserialized root the network does not deliver in time is 504 with Retry-After', async () => {
    const recursive = gatewayOver(new MemoryBlockstore(), { fetchBlock: async () => new Promise(() => {}) }, { networkTimeoutMs: 100 })
    const res = await get(recursive, `/ipfs/${big}`)
    expect(res.status).toBe(504)
    expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0)
    expect((await res.json()).error.code).toBe('BLOCK_UNAVAILABLE')
  })
})

describe('gateway: more spec rules', () => {
  let blockstore: MemoryBlockstore
  let gateway: Gateway
  let file: CID
  const content = patternBytes(5000, 8)

  beforeAll(async () => {
    blockstore = new MemoryBlockstore()
    gateway = gatewayOver(blockstore)
    file = await addFile(blockstore, content)
  })

  it('If-Range with the ETag keeps the range; with another tag or a date the whole file is sent', async () => {
    const kept = await get(gateway, `/ipfs/${file}`, { headers: { Range: 'bytes=0-9', 'If-Range': `"${file}"` } })
    expect(kept.status).toBe(206)
    await kept.body?.cancel()
    for (const condition of ['"other"', `W/"${file}"`, 'Wed, 21 Oct 2015 07:28:00 GMT']) {
      const whole = await get(gateway, `/ipfs/${file}`, { headers: { Range: 'bytes=0-9', 'If-Range': condition } })
      expect(whole.status, condition).toBe(200)
      expect(await bodyBytes(whole)).toEqual(content)
    }
  })

  it('only-if-cached never reaches the network: a block missing under a local root is 412', async () => {
    const partial = new MemoryBlockstore()
    const root: Uint8Array[] = []
    for await (const c of blockstore.get(file)) root.push(c)
    await partial.put(file, root[0])
    const asked: string[] = []
    const g = gatewayOver(partial, { fetchBlock: async (cid) => { asked.push(cid.toString()); return new Promise(() => {}) } }, { networkTimeoutMs: 5_000 })
    const res = await get(g, `/ipfs/${file}`, { headers: { 'Cache-Control': 'only-if-cached' } })
    expect(res.status).toBe(412)
    expect(asked).toEqual([])
  })

  it('a path deeper than 256 segments is 400', async () => {
    const res = await get(gateway, `/ipfs/${file}/${'a/'.repeat(300)}`)
    expect(res.status).toBe(400)
    expect((await res.json()).error.code).toBe('PATH_TOO_DEEP')
  })

  it('a block above 2 MiB from the network is refused (502), before hashing', async () => {
    const g = gatewayOver(new MemoryBlockstore(), { fetchBlock: async () => new Uint8Array(2 * 1024 * 1024 + 1) }, { networkTimeoutMs: 1_000 })
    expect((await get(g, `/ipfs/${file}`)).status).toBe(502)
  })

  it('format in the query and another in Accept: the query wins, and Content-Location names it', async () => {
    const res = await get(gateway, `/ipfs/${file}?format=car`, { headers: { Accept: 'application/vnd.ipld.raw' } })
    expect(res.headers.get('Content-Type')).toMatch(/^application\/vnd\.ipld\.car/)
    expect(res.headers.get('Content-Location')).toBe(`/ipfs/${file}?format=car`)
    await res.body?.cancel()
    const plain = await get(gateway, `/ipfs/${file}?format=raw`)
    expect(plain.headers.get('Content-Location')).toBeNull()
    await plain.body?.cancel()
  })
})

describe('gateway: stored Blobs (the Service Worker path)', () => {
  it('a whole file and a range come from the stored leaves as Blobs, not through the block walk', async () => {
    const blockstore = new MemoryBlockstore()
    const content = patternBytes(5000, 3)
    const file = await addFile(blockstore, content)
    let blobReads = 0
    const blobs = {
      async getBlob (cid: CID): Promise<Blob> {
        blobReads++
        const chunks: Uint8Array[] = []
        for await (const c of blockstore.get(cid)) chunks.push(c)
        return new Blob(chunks as BlobPart[])
      }
    }
    const g = gatewayOver(blockstore, { blobs })
    expect(await bodyBytes(await get(g, `/ipfs/${file}?filename=x.bin`))).toEqual(content)
    expect(blobReads).toBe(5)
    const part = await get(g, `/ipfs/${file}?filename=x.bin`, { headers: { Range: 'bytes=1500-2600' } })
    expect(await bodyBytes(part)).toEqual(content.subarray(1500, 2601))
    expect(blobReads).toBe(7)
  })
})
