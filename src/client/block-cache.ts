/**
 * A blockstore in memory, bounded by bytes, dropping the least recently used block first.
 * A client keeps what it fetched lately in one: a video seek or a page reload reads the
 * same root and directory blocks again, which should not cost a round trip to the cafe,
 * and bitswap should not be asked twice in a row for one block (a want repeated right
 * after its block arrived was left unanswered by the cafe, measured with @helia/bitswap 4).
 * Keyed by multihash, like every blockstore.
 */
import { BaseBlockstore } from 'blockstore-core/base'
import { NotFoundError } from 'interface-store'
import { concat } from 'uint8arrays/concat'
import { toString } from 'uint8arrays/to-string'
import type { AbortOptions } from '../core/types.ts'
import type { Pair } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

export class BlockCache extends BaseBlockstore {
  readonly maxBytes: number
  private readonly blocks = new Map<string, { cid: CID, bytes: Uint8Array }>()
  private bytes = 0

  /** default 64 MiB */
  constructor (maxBytes = 64 * 1024 * 1024) {
    super()
    this.maxBytes = maxBytes
  }

  /** bytes held */
  get size (): number { return this.bytes }

  override async * get (cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    options?.signal?.throwIfAborted()
    const key = keyOf(cid)
    const pair = this.blocks.get(key)
    if (pair == null) throw new NotFoundError(`${cid} is not cached`)
    // most recently used last
    this.blocks.delete(key)
    this.blocks.set(key, pair)
    yield pair.bytes
  }

  override async has (cid: CID): Promise<boolean> {
    return this.blocks.has(keyOf(cid))
  }

  override async put (cid: CID, value: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options?: AbortOptions): Promise<CID> {
    options?.signal?.throwIfAborted()
    let bytes: Uint8Array
    if (value instanceof Uint8Array) {
      bytes = value
    } else {
      const chunks: Uint8Array[] = []
      for await (const chunk of value) chunks.push(chunk)
      bytes = concat(chunks)
    }
    const key = keyOf(cid)
    if (this.blocks.has(key) || bytes.byteLength > this.maxBytes) return cid
    this.blocks.set(key, { cid, bytes })
    this.bytes += bytes.byteLength
    for (const [oldest, pair] of this.blocks) {
      if (this.bytes <= this.maxBytes) break
      this.blocks.delete(oldest)
      this.bytes -= pair.bytes.byteLength
    }
    return cid
  }

  override async delete (cid: CID): Promise<void> {
    const key = keyOf(cid)
    const pair = this.blocks.get(key)
    if (pair == null) return
    this.blocks.delete(key)
    this.bytes -= pair.bytes.byteLength
  }

  override async * getAll (): AsyncGenerator<Pair> {
    for (const { cid, bytes } of Array.from(this.blocks.values())) yield { cid, bytes: (function * () { yield bytes })() }
  }
}

function keyOf (cid: CID): string {
  return toString(cid.multihash.bytes, 'base64')
}
