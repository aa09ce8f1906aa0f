/**
 * Block reads from a blockstore-fs store that behave under abort. blockstore-fs races
 * `fs.open` against the signal: an abort mid-open leaves the file handle to the garbage
 * collector, and comes out as a NotFoundError, which the gateway takes for "not stored
 * here" and asks the network. A block file is at most a few MiB, so it is read without
 * the signal and the signal is checked around the read instead: an abort is an AbortError,
 * and no handle outlives its read.
 */
import type { AbortOptions } from '@libp2p/interface'
import type { FsBlockstore } from 'blockstore-fs'
import type { CID } from 'multiformats/cid'

export interface BlockReads {
  get(cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array>
  has(cid: CID, options?: AbortOptions): Promise<boolean>
}

export function abortSafeReads (blockstore: Pick<FsBlockstore, 'get' | 'has'>): BlockReads {
  return {
    async * get (cid, options = {}) {
      options.signal?.throwIfAborted()
      try {
        yield * blockstore.get(cid)
      } catch (err) {
        options.signal?.throwIfAborted()
        throw err
      }
    },
    async has (cid, options = {}) {
      options.signal?.throwIfAborted()
      return blockstore.has(cid)
    }
  }
}
