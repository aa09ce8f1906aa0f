import { MemoryBlockstore } from 'blockstore-core'
import all from 'it-all'
import { describe, expect, it } from 'vitest'
import { CarStage } from '../../../src/core/pinning/car-stage.ts'
import { ownCid, walkDag } from '../../../src/core/pinning/dag.ts'
import { InUse } from '../../../src/core/pinning/in-use.ts'
import { carOf, chunked, makeContent, randomContent } from './helpers.ts'

describe('an upload in progress', () => {
  it('keeps the CIDs of the blocks it wrote without keeping the CAR\'s buffers alive', async () => {
    const source = new MemoryBlockstore()
    const root = await makeContent(source, randomContent(200_000, 1), 16_384)
    const car = await carOf(source, [root])
    const stage = new CarStage({ blockstore: new MemoryBlockstore(), inUse: new InUse() })
    await stage.read(chunked(car, 65_536))
    const expected = (await all(walkDag(source, root))).map(({ cid }) => cid.toString()).sort()
    expect(stage.written.map(cid => cid.toString()).sort()).toEqual(expected)
    // a CID decoded from the CAR is a view into the reader's buffer (tens of KiB); a kept one owns its few bytes
    for (const cid of stage.written) expect(cid.multihash.bytes.buffer.byteLength).toBeLessThan(100)
    // and so do the links the stage keeps of each block (the root's, here)
    const links = stage.index.get(root)?.links ?? []
    expect(links.length).toBeGreaterThan(10)
    for (const link of links) expect(link.multihash.bytes.buffer.byteLength).toBeLessThan(100)
    stage.release()
  })

  it('a CID made to own its bytes is equal to the original, v0 and v1', async () => {
    const source = new MemoryBlockstore()
    const v1 = await makeContent(source, randomContent(5000, 2))
    const v0 = v1.toV0()
    for (const cid of [v0, v1]) {
      const own = ownCid(cid)
      expect(own.equals(cid)).toBe(true)
      expect(own.toString()).toBe(cid.toString())
    }
  })
})
