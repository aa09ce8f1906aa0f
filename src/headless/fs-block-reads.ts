/**
 * Block reads from a blockstore-fs directory for the gateway: each block file is read in
 * one `fs.readFile` (open, fstat, one read of its size, close: four trips to the libuv
 * threadpool) into one buffer. blockstore-fs's own `get` streams a file through a
 * ReadStream in 64 KiB reads and the gateway then joins them: for 256 KiB leaves that was
 * about twice the main-thread time per block (a CPU profile of a 32 MiB read).
 *
 * It behaves under abort: blockstore-fs races `fs.open` against the signal, so an abort
 * mid-open left the file handle to the garbage collector and came out as a NotFoundError,
 * which the gateway takes for "not stored here" and asks the network. A block file is at
 * most a few MiB, so it is read without the signal and the signal is checked around the
 * read instead: an abort is an AbortError, and no handle outlives its read.
 */
import { readFile } from 'node:fs/promises'
import { NotFoundError } from 'interface-store'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

export interface BlockReads {
  get(cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array>
  has(cid: CID, options?: AbortOptions): Promise<boolean>
}

/** What the reads need of the store: where a block's file is, and `has`. */
export interface BlockFiles {
  fileOf(cid: CID): string
  has(cid: CID, options?: AbortOptions): Promise<boolean>
}

export function abortSafeReads (store: BlockFiles): BlockReads {
  return {
    async * get (cid, options = {}) {
      options.signal?.throwIfAborted()
      let bytes: Uint8Array
      try {
        bytes = await readFile(store.fileOf(cid))
      } catch (err) {
        options.signal?.throwIfAborted()
        // blockstore-fs's get answers every failed read so (the gateway then asks the network)
        throw new NotFoundError(String(err))
      }
      options.signal?.throwIfAborted()
      yield bytes
    },
    async has (cid, options = {}) {
      options.signal?.throwIfAborted()
      return store.has(cid)
    }
  }
}
