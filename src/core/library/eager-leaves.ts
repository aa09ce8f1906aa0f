/**
 * The UnixFS importer's leaf step (raw leaves, CIDv1, sha2-256: Helia's defaults) with the
 * hash and the put started as each chunk is read, not when the importer's batch asks for
 * it: the importer pulls a batch of chunks, then waits for their thunks, so with the
 * default step reading and hashing took turns. At most the importer's batch is in flight.
 *
 * When the file being read is also at hand as a Blob (a browser File), each leaf is put
 * with `blob`, the slice of that Blob holding the same bytes: a store that keeps Blobs
 * (IndexedDB) stores the slice, so the bytes are not copied out of JavaScript once more.
 */
import * as raw from 'multiformats/codecs/raw'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import type { AbortOptions } from '../types.ts'
import type { BufferImporter, BufferImporterResult } from 'ipfs-unixfs-importer'

/** put options that may carry the block's bytes as a Blob too (a slice of the file added) */
export interface LeafPutOptions extends AbortOptions {
  blob?: Blob
}

/** `blobOf(path)`: the Blob whose bytes the importer is reading for the file at `path`, if any */
export function eagerRawLeaves (blobOf: (path: string | undefined) => Blob | undefined = () => undefined): BufferImporter {
  return async function * (file, blockstore) {
    const source = blobOf(file.path)
    let offset = 0
    for await (const block of file.content) {
      const start = offset
      offset += block.byteLength
      if (source != null && offset > source.size) throw new Error(`the content of ${file.path ?? 'a file'} is longer than its Blob`)
      const options: LeafPutOptions = source == null ? {} : { blob: source.slice(start, offset) }
      const result: Promise<BufferImporterResult> = (async () => {
        const cid = CID.createV1(raw.code, await sha256.digest(block))
        await blockstore.put(cid, block, options)
        return { cid, size: BigInt(block.byteLength), block }
      })()
      // the importer awaits it with its batch; a failure before then is not unhandled
      result.catch(() => {})
      yield async () => result
    }
  }
}
