/**
 * The UnixFS importer's leaf step (raw leaves, CIDv1, sha2-256: Helia's defaults) with the
 * hash and the put started as each chunk is read, not when the importer's batch asks for
 * it: the importer pulls a batch of chunks, then waits for their thunks, so with the
 * default step reading and hashing took turns. At most the importer's batch is in flight.
 */
import * as raw from 'multiformats/codecs/raw'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import type { BufferImporter, BufferImporterResult } from 'ipfs-unixfs-importer'

export const eagerRawLeaves: BufferImporter = async function * (file, blockstore) {
  for await (const block of file.content) {
    const result: Promise<BufferImporterResult> = (async () => {
      const cid = CID.createV1(raw.code, await sha256.digest(block))
      await blockstore.put(cid, block)
      return { cid, size: BigInt(block.byteLength), block }
    })()
    // the importer awaits it with its batch; a failure before then is not unhandled
    result.catch(() => {})
    yield async () => result
  }
}
