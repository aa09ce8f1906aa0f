/**
 * The blocks a client gateway fetched lately, kept in memory up to a byte budget and
 * dropped oldest-used first: a video seek or a page reload reads the same root and
 * directory blocks again, which should not cost a round trip to the cafe each time.
 * Keyed by multihash, like a blockstore. Only verified blocks go in.
 */
import { toString } from 'uint8arrays/to-string'
import type { CID } from 'multiformats/cid'

/** A store miss, named as blockstores name it (the gateway's block source expects it). */
class NotFoundError extends Error {
  static override name = 'NotFoundError'
  override name = 'NotFoundError'
}

export class BlockCache {
  readonly maxBytes: number
  private readonly blocks = new Map<string, Uint8Array>()
  private bytes = 0

  /** default 32 MiB */
  constructor (maxBytes = 32 * 1024 * 1024) {
    this.maxBytes = maxBytes
  }

  get size (): number { return this.bytes }

  async * get (cid: CID): AsyncGenerator<Uint8Array> {
    const key = keyOf(cid)
    const block = this.blocks.get(key)
    if (block == null) throw new NotFoundError(`${cid} is not cached`)
    // most recently used last
    this.blocks.delete(key)
    this.blocks.set(key, block)
    yield block
  }

  async has (cid: CID): Promise<boolean> {
    return this.blocks.has(keyOf(cid))
  }

  put (cid: CID, block: Uint8Array): void {
    const key = keyOf(cid)
    if (this.blocks.has(key) || block.byteLength > this.maxBytes) return
    this.blocks.set(key, block)
    this.bytes += block.byteLength
    for (const [oldest, value] of this.blocks) {
      if (this.bytes <= this.maxBytes) break
      this.blocks.delete(oldest)
      this.bytes -= value.byteLength
    }
  }
}

function keyOf (cid: CID): string {
  return toString(cid.multihash.bytes, 'base64')
}
