import { CarReader } from '@ipld/car'
import * as dagPb from '@ipld/dag-pb'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { packCar } from '../../src/client/car.ts'

describe('packCar', () => {
  it('writes every block under the CID the importer gave it: dag-pb nodes as dag-pb, leaves as raw', async () => {
    const { root, car } = await packCar([
      { path: 'album/a.txt', content: new TextEncoder().encode('a') },
      { path: 'album/b.bin', content: new Uint8Array(600_000).fill(1) }
    ])
    const reader = await CarReader.fromBytes(car)
    expect((await reader.getRoots()).map(String)).toEqual([root.toString()])
    expect(root.code).toBe(dagPb.code)
    const codecs = new Set<number>()
    for await (const { cid, bytes } of reader.blocks()) {
      codecs.add(cid.code)
      expect((await sha256.digest(bytes)).bytes).toEqual(cid.multihash.bytes)
      if (cid.code === dagPb.code) expect(() => dagPb.decode(bytes)).not.toThrow()
    }
    expect([...codecs].sort()).toEqual([raw.code, dagPb.code].sort())
  })
})
