import { MemoryBlockstore } from 'blockstore-core'
import { exporter } from 'ipfs-unixfs-exporter'
import { describe, expect, it } from 'vitest'
import { fileCiphertextSource } from '../../../src/core/gateway/ciphertext-source.ts'
import { isFileEntry } from '../../../src/core/gateway/index.ts'
import { addFile, patternBytes } from './fixtures.ts'
import type { FileEntry } from '../../../src/core/gateway/index.ts'

async function fileOf (blockstore: MemoryBlockstore, bytes: Uint8Array): Promise<FileEntry> {
  const entry = await exporter(await addFile(blockstore, bytes), blockstore)
  if (!isFileEntry(entry)) throw new Error('not a file')
  return entry
}

async function collect (chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const chunk of chunks) parts.push(chunk)
  return Uint8Array.from(parts.flatMap(part => [...part]))
}

describe('gateway: a UnixFS file read as ciphertext in windows', () => {
  const bytes = patternBytes(20_000, 9) // 1 KiB blocks

  it('any span, across window and block edges, reads the exact bytes', async () => {
    const source = fileCiphertextSource(await fileOf(new MemoryBlockstore(), bytes), { windowBytes: 3000 })
    expect(source.size).toBe(bytes.length)
    for (const [offset, length] of [[0, 20_000], [0, 1], [2999, 2], [2500, 9000], [19_999, 1], [6000, 3000], [5, 0]]) {
      expect(await collect(source.read(offset, length)), `${offset}+${length}`).toEqual(bytes.subarray(offset, offset + length))
    }
  })

  it('a reader that stops early leaves the rest of the file unread (about two windows at most)', async () => {
    const blockstore = new MemoryBlockstore()
    const cid = await addFile(blockstore, bytes)
    let reads = 0
    const counting = { get: (...args: Parameters<MemoryBlockstore['get']>) => { reads++; return blockstore.get(...args) } }
    const entry = await exporter(cid, counting)
    if (!isFileEntry(entry)) throw new Error('not a file')
    const source = fileCiphertextSource(entry, { windowBytes: 4096 })
    for await (const chunk of source.read(0, bytes.length)) {
      expect(chunk).toEqual(bytes.subarray(0, chunk.length))
      break
    }
    await new Promise(resolve => setTimeout(resolve, 50))
    // the root, then 4 blocks of the window being read and 4 of the next one, not all 20
    // (the exporter also reads the block that starts where a window ends: +1 each)
    expect(reads).toBeLessThanOrEqual(11)
  })

  it('a block missing in a later window fails the read after the bytes before it', async () => {
    const blockstore = new MemoryBlockstore()
    const entry = await fileOf(blockstore, bytes)
    const links = (entry.node as { Links: Array<{ Hash: Parameters<MemoryBlockstore['delete']>[0] }> }).Links
    await blockstore.delete(links[10].Hash) // bytes 10240..11263
    const source = fileCiphertextSource(entry, { windowBytes: 4096 })
    const got: Uint8Array[] = []
    await expect((async () => { for await (const chunk of source.read(0, bytes.length)) got.push(chunk) })()).rejects.toThrow()
    const read = got.reduce((n, c) => n + c.length, 0)
    expect(read).toBeLessThanOrEqual(10_240)
    expect(read).toBeGreaterThanOrEqual(8192)
  })
})
