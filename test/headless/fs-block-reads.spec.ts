import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { DurableFsBlockstore } from '../../src/headless/durable-stores.ts'
import { abortSafeReads } from '../../src/headless/fs-block-reads.ts'

async function block (bytes: Uint8Array): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(bytes))
}

async function gather (source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of source) chunks.push(chunk)
  return new Uint8Array(Buffer.concat(chunks))
}

describe('the gateway\'s block reads from the headless store', () => {
  let dir: string
  let store: DurableFsBlockstore
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cafe-block-reads-'))
    store = new DurableFsBlockstore(dir, { durable: false })
    await store.open()
  })
  afterEach(async () => {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('read a block in one piece, the same bytes blockstore-fs gives', async () => {
    const bytes = new Uint8Array(300 * 1024).map((_, i) => (i * 7) % 256)
    const cid = await block(bytes)
    await store.put(cid, bytes)
    const reads = abortSafeReads(store)
    const pieces: Uint8Array[] = []
    for await (const piece of reads.get(cid)) pieces.push(piece)
    expect(pieces).toHaveLength(1)
    expect(new Uint8Array(pieces[0])).toEqual(bytes)
    expect(new Uint8Array(pieces[0])).toEqual(await gather(store.get(cid)))
    expect(await reads.has(cid)).toBe(true)
  })

  it('a block not stored is a NotFoundError, as blockstore-fs says it (the gateway then asks the network)', async () => {
    const cid = await block(Uint8Array.of(1, 2, 3))
    await expect(gather(abortSafeReads(store).get(cid))).rejects.toMatchObject({ name: 'NotFoundError' })
    expect(await abortSafeReads(store).has(cid)).toBe(false)
  })

  it('an aborted read is an AbortError, not "not found"', async () => {
    const bytes = Uint8Array.of(4, 5, 6)
    const cid = await block(bytes)
    await store.put(cid, bytes)
    const controller = new AbortController()
    controller.abort()
    await expect(gather(abortSafeReads(store).get(cid, { signal: controller.signal }))).rejects.toMatchObject({ name: 'AbortError' })
  })
})
