import { CarReader } from '@ipld/car'
import { MemoryBlockstore } from 'blockstore-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { addDirectory, addFile, bodyBytes, get, gatewayOver, patternBytes, putCbor } from './fixtures.ts'
import type { Gateway } from '../../../src/core/gateway/index.ts'
import type { CID } from 'multiformats/cid'

async function blockBytes (blockstore: MemoryBlockstore, cid: CID): Promise<Uint8Array> {
  const chunks = []
  for await (const c of blockstore.get(cid)) chunks.push(...c)
  return new Uint8Array(chunks)
}

describe('gateway: trustless formats', () => {
  let blockstore: MemoryBlockstore
  let gateway: Gateway
  let fileCid: CID
  let dirCid: CID

  beforeAll(async () => {
    blockstore = new MemoryBlockstore()
    gateway = gatewayOver(blockstore)
    fileCid = await addFile(blockstore, patternBytes(4500, 9)) // root + 5 leaves
    dirCid = await addDirectory(blockstore, [
      { path: 'sub/big.bin', content: patternBytes(3000, 5) },
      { path: 'other.txt', content: 'other' }
    ])
  })

  it('format=raw returns the exact bytes of the block, as an attachment', async () => {
    const res = await get(gateway, `/ipfs/${fileCid}?format=raw`)
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('application/vnd.ipld.raw')
    expect(res.headers.get('ETag')).toBe(`"${fileCid}.raw"`)
    expect(res.headers.get('Content-Disposition')).toMatch(new RegExp(`^attachment; filename="${fileCid}.bin"`))
    expect(await bodyBytes(res)).toEqual(await blockBytes(blockstore, fileCid))
  })

  it('Accept: application/vnd.ipld.raw returns the block of the path-resolved CID', async () => {
    const res = await get(gateway, `/ipfs/${dirCid}/other.txt`, { headers: { Accept: 'application/vnd.ipld.raw' } })
    expect(res.status).toBe(200)
    const leaf = res.headers.get('X-Ipfs-Roots')?.split(',').at(-1) as string
    expect(await bodyBytes(res)).toEqual(new TextEncoder().encode('other'))
    expect(res.headers.get('ETag')).toBe(`"${leaf}.raw"`)
  })

  it('format=car parses back with CarReader and holds the root and every block of the DAG', async () => {
    const res = await get(gateway, `/ipfs/${fileCid}?format=car`)
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('application/vnd.ipld.car; version=1; order=dfs; dups=n')
    expect(res.headers.get('ETag')).toBe(`"${fileCid}.car"`)
    expect(res.body).toBeInstanceOf(ReadableStream)
    const reader = await CarReader.fromBytes(await bodyBytes(res))
    expect((await reader.getRoots()).map(String)).toEqual([fileCid.toString()])
    const cids: string[] = []
    for await (const { cid, bytes } of reader.blocks()) {
      cids.push(cid.toString())
      expect(bytes).toEqual(await blockBytes(blockstore, cid))
    }
    expect(cids[0]).toBe(fileCid.toString())
    expect(new Set(cids).size).toBe(6) // the root and its five leaves, once each
    expect(cids).toHaveLength(6)
  })

  it('format=car on a path carries the path blocks first, then the whole DAG under it', async () => {
    const res = await get(gateway, `/ipfs/${dirCid}/sub?format=car`)
    const roots = (res.headers.get('X-Ipfs-Roots') as string).split(',')
    const reader = await CarReader.fromBytes(await bodyBytes(res))
    const cids = []
    for await (const { cid } of reader.blocks()) cids.push(cid.toString())
    expect(cids.slice(0, 2)).toEqual(roots) // dir, then sub
    expect((await reader.getRoots()).map(String)).toEqual([roots[1]])
    expect(cids).toHaveLength(2 + 1 + 3) // dir, sub, big.bin root, three 1 KiB leaves
    expect(new Set(cids).size).toBe(cids.length)
  })

  it('dag-scope=block sends only the terminal block (after the path blocks)', async () => {
    const res = await get(gateway, `/ipfs/${fileCid}?format=car&dag-scope=block`)
    expect(res.headers.get('ETag')).toMatch(new RegExp(`^"${fileCid}\\.car\\.[0-9a-f]{8}"$`))
    const reader = await CarReader.fromBytes(await bodyBytes(res))
    const cids = []
    for await (const { cid } of reader.blocks()) cids.push(cid.toString())
    expect(cids).toEqual([fileCid.toString()])
  })

  it('format=car follows dag-cbor links', async () => {
    const leaf = await putCbor(blockstore, { hello: 'leaf' })
    // dag-cbor sorts map keys, so 'a' comes before 'b'
    const root = await putCbor(blockstore, { a: leaf.cid, b: fileCid })
    const reader = await CarReader.fromBytes(await bodyBytes(await get(gateway, `/ipfs/${root.cid}?format=car`)))
    const cids = []
    for await (const { cid } of reader.blocks()) cids.push(cid.toString())
    expect(cids).toHaveLength(2 + 6)
    expect(cids.slice(0, 2)).toEqual([root.cid.toString(), leaf.cid.toString()])
  })

  it('the format query parameter wins over the Accept header', async () => {
    const res = await get(gateway, `/ipfs/${fileCid}?format=raw`, { headers: { Accept: 'application/vnd.ipld.car' } })
    expect(res.headers.get('Content-Type')).toBe('application/vnd.ipld.raw')
    await res.body?.cancel()
    const car = await get(gateway, `/ipfs/${fileCid}?format=car`, { headers: { Accept: 'application/vnd.ipld.raw' } })
    expect(car.headers.get('Content-Type')).toMatch(/^application\/vnd\.ipld\.car/)
    await car.body?.cancel()
  })

  it('an Accept the gateway cannot satisfy is 406', async () => {
    const res = await get(gateway, `/ipfs/${fileCid}`, { headers: { Accept: 'application/vnd.ipld.car; version=2' } })
    expect(res.status).toBe(406)
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/)
    expect(await res.json()).toMatchObject({ error: { code: 'NOT_ACCEPTABLE' } })
  })

  it('If-None-Match with the CAR ETag is 304', async () => {
    const res = await get(gateway, `/ipfs/${fileCid}?format=car`, { headers: { 'If-None-Match': `"${fileCid}.car"` } })
    expect(res.status).toBe(304)
  })
})
