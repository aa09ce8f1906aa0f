import { MemoryBlockstore } from 'blockstore-core'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { exporter } from 'ipfs-unixfs-exporter'
import all from 'it-all'
import { describe, expect, it } from 'vitest'
import { fileBlob, type BlobSource } from '../../../src/core/gateway/file-blob.ts'
import { isFileEntry } from '../../../src/core/gateway/read-file-range.ts'
import type { CID } from 'multiformats/cid'

function bytesOf (length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff)
}

async function store (content: Uint8Array, options: { rawLeaves: boolean, chunk: number, maxChildrenPerNode?: number }) {
  const blockstore = new MemoryBlockstore()
  const [result] = await all(importer([{ content }], blockstore, {
    rawLeaves: options.rawLeaves,
    chunker: fixedSize({ chunkSize: options.chunk }),
    layout: undefined,
    ...(options.maxChildrenPerNode != null ? { maxChildrenPerNode: options.maxChildrenPerNode } : {})
  } as any))
  const blobs: BlobSource & { reads: number } = {
    reads: 0,
    async getBlob (cid: CID) {
      this.reads++
      const chunks = await all(blockstore.get(cid))
      return new Blob(chunks as BlobPart[])
    }
  }
  const entry = await exporter(result.cid, blockstore)
  if (!isFileEntry(entry)) throw new Error('not a file')
  return { blockstore, blobs, entry }
}

async function blobBytes (blob: Blob | undefined): Promise<Uint8Array> {
  if (blob == null) throw new Error('no blob')
  return new Uint8Array(await blob.arrayBuffer())
}

describe('a file as one Blob of its stored leaves', () => {
  const content = bytesOf(10_000)

  it('equals the file for a multi-level DAG of raw leaves', async () => {
    const { blockstore, blobs, entry } = await store(content, { rawLeaves: true, chunk: 1000, maxChildrenPerNode: 3 })
    expect(await blobBytes(await fileBlob(blobs, blockstore, entry, 0, content.length))).toEqual(content)
  })

  it('equals the file when leaves are dag-pb nodes with inline data', async () => {
    const { blockstore, blobs, entry } = await store(content, { rawLeaves: false, chunk: 1000 })
    expect(await blobBytes(await fileBlob(blobs, blockstore, entry, 0, content.length))).toEqual(content)
  })

  it('slices ranges at every edge and reads only the leaves they cover', async () => {
    const { blockstore, blobs, entry } = await store(content, { rawLeaves: true, chunk: 1000 })
    for (const [start, end] of [[0, 1], [999, 1001], [1000, 2000], [9999, 10_000], [0, 10_000], [4321, 4322]]) {
      expect(await blobBytes(await fileBlob(blobs, blockstore, entry, start, end))).toEqual(content.subarray(start, end))
    }
    blobs.reads = 0
    await fileBlob(blobs, blockstore, entry, 1500, 2500)
    expect(blobs.reads).toBe(2)
  })

  it('reads the raw leaves of a node in one batch when the store can, without slicing whole leaves', async () => {
    const { blockstore, entry } = await store(content, { rawLeaves: true, chunk: 1000 })
    const batches: number[] = []
    const batched: BlobSource = {
      async getBlob () { throw new Error('read one by one') },
      async getBlobs (cids) {
        batches.push(cids.length)
        return Promise.all(cids.map(async cid => new Blob(await all(blockstore.get(cid)) as BlobPart[])))
      }
    }
    for (const [start, end] of [[0, 10_000], [999, 5001], [4321, 4322]]) {
      expect(await blobBytes(await fileBlob(batched, blockstore, entry, start, end))).toEqual(content.subarray(start, end))
    }
    expect(batches).toEqual([10, 6, 1])

    // a Blob's slice is a call into the browser: whole leaves are taken as they are
    const sliceOf = Blob.prototype.slice
    let slices = 0
    Blob.prototype.slice = function (this: Blob, ...args: Parameters<Blob['slice']>) { slices++; return sliceOf.apply(this, args) }
    try {
      expect(await blobBytes(await fileBlob(batched, blockstore, entry, 1000, 3000))).toEqual(content.subarray(1000, 3000))
      expect(slices).toBe(0)
      expect(await blobBytes(await fileBlob(batched, blockstore, entry, 1000, 2500))).toEqual(content.subarray(1000, 2500))
      expect(slices).toBe(1)
    } finally {
      Blob.prototype.slice = sliceOf
    }
  })

  it('serves a single raw block file', async () => {
    const small = bytesOf(100)
    const { blockstore, blobs, entry } = await store(small, { rawLeaves: true, chunk: 1000 })
    expect(await blobBytes(await fileBlob(blobs, blockstore, entry, 10, 20))).toEqual(small.subarray(10, 20))
  })

  it('answers undefined when a leaf is not local, so the gateway can stream from the network instead', async () => {
    const { blockstore, blobs, entry } = await store(content, { rawLeaves: true, chunk: 1000 })
    const missing: BlobSource = {
      async getBlob () { throw Object.assign(new Error('gone'), { name: 'NotFoundError' }) }
    }
    expect(await fileBlob(missing, blockstore, entry, 0, 10)).toBeUndefined()
    const missingInBatch: BlobSource = {
      getBlob: missing.getBlob,
      async getBlobs () { throw Object.assign(new Error('gone'), { name: 'NotFoundError' }) }
    }
    expect(await fileBlob(missingInBatch, blockstore, entry, 0, 5000)).toBeUndefined()
    expect(blobs.reads).toBe(0)
  })
})
