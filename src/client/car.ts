/**
 * Packs files into a UnixFS DAG and a CARv1 in memory, for clients that upload their
 * data instead of serving its blocks. Folders keep their structure under one root.
 */
import { CarWriter } from '@ipld/car'
import { importer } from 'ipfs-unixfs-importer'
import { concat } from 'uint8arrays/concat'
import type { CID } from 'multiformats/cid'

export interface FileForCar {
  /** `name` or `folder/sub/name` */
  path: string
  content: Uint8Array | AsyncIterable<Uint8Array>
}

export interface PackedCar {
  root: CID
  car: Uint8Array
}

/** One root: the directory that wraps all files (or the single file when `wrap` is false). */
export async function packCar (files: FileForCar[], { wrap = true }: { wrap?: boolean } = {}): Promise<PackedCar> {
  // keep the CIDs the importer made (a blockstore keys by multihash and would lose the codec)
  const blocks = new Map<string, { cid: CID, bytes: Uint8Array }>()
  const store = {
    async put (cid: CID, bytes: Uint8Array): Promise<CID> {
      blocks.set(cid.toString(), { cid, bytes })
      return cid
    }
  }
  let root: CID | undefined
  for await (const entry of importer(files, store, { wrapWithDirectory: wrap, cidVersion: 1, rawLeaves: true })) root = entry.cid
  if (root == null) throw new TypeError('no files to pack')
  const { writer, out } = CarWriter.create([root])
  const parts: Uint8Array[] = []
  const collected = (async () => { for await (const part of out) parts.push(part) })()
  for (const block of blocks.values()) await writer.put(block)
  await writer.close()
  await collected
  return { root, car: concat(parts) }
}
