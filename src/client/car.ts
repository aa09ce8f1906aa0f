/**
 * Packs files into a UnixFS DAG and a CARv1 in memory, for clients that upload their
 * data instead of serving its blocks. Folders keep their structure under one root.
 */
import { CarWriter } from '@ipld/car'
import { importer } from 'ipfs-unixfs-importer'
import { concat } from 'uint8arrays/concat'
import { byteCounter, type PackProgressEvent, type ProgressOptions } from './progress.ts'
import type { CID } from 'multiformats/cid'

export interface FileForCar {
  /** `name` or `folder/sub/name` */
  path: string
  content: Uint8Array | AsyncIterable<Uint8Array>
  /** bytes in `content`, for progress totals */
  size?: number
}

export interface PackCarOptions extends ProgressOptions<PackProgressEvent> {
  /** default true */
  wrap?: boolean
}

export interface PackedCar {
  root: CID
  car: Uint8Array
}

/** One root: the directory that wraps all files (or the single file when `wrap` is false). */
export async function packCar (files: FileForCar[], { wrap = true, onProgress }: PackCarOptions = {}): Promise<PackedCar> {
  // keep the CIDs the importer made (a blockstore keys by multihash and would lose the codec)
  const blocks = new Map<string, { cid: CID, bytes: Uint8Array }>()
  const store = {
    async put (cid: CID, bytes: Uint8Array): Promise<CID> {
      blocks.set(cid.toString(), { cid, bytes })
      return cid
    }
  }
  let root: CID | undefined
  const sizes = files.map(file => file.content instanceof Uint8Array ? file.content.byteLength : file.size)
  const total = sizes.every(size => size != null) ? sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0) : undefined
  const counter = byteCounter('cafe:car:pack', total, onProgress)
  const input = onProgress == null ? files : files.map(({ path, content }) => ({ path, content: counter.count(content instanceof Uint8Array ? [content] : content) }))
  for await (const entry of importer(input, store, { wrapWithDirectory: wrap, cidVersion: 1, rawLeaves: true })) root = entry.cid
  if (root == null) throw new TypeError('no files to pack')
  counter.flush()
  const { writer, out } = CarWriter.create([root])
  const parts: Uint8Array[] = []
  const collected = (async () => { for await (const part of out) parts.push(part) })()
  for (const block of blocks.values()) await writer.put(block)
  await writer.close()
  await collected
  return { root, car: concat(parts) }
}
