/**
 * A file's bytes as one Blob built from the Blobs its leaves are stored as, when the
 * store can hand blocks out as Blobs (the IndexedDB blockstore can). The browser then
 * streams the response from its blob storage without every byte passing through the
 * JavaScript thread of the Service Worker, which made the streamed path CPU-bound.
 * Only the file's internal dag-pb nodes (small) are read and parsed here. Any block
 * that is not local makes this answer undefined, and the gateway streams instead (which
 * fetches from the network).
 */
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { identity } from 'multiformats/hashes/identity'
import * as raw from 'multiformats/codecs/raw'
import { readBlock } from './block-source.ts'
import type { FileEntry } from './read-file-range.ts'
import type { AbortOptions } from '../types.ts'
import type { ReadableStorage } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'

export interface BlobSource {
  /** the block as a Blob; throws an error named 'NotFoundError' when it is not local */
  getBlob(cid: CID, options?: AbortOptions): Promise<Blob>
}

interface Span { start: number, end: number }

class NotLocal extends Error {}

function slice (part: Blob | Uint8Array, partOffset: number, wanted: Span): Blob | Uint8Array {
  const from = Math.max(0, wanted.start - partOffset)
  const to = Math.min(part instanceof Blob ? part.size : part.byteLength, wanted.end - partOffset)
  return part.slice(from, to)
}

async function leafBlob (blobs: BlobSource, cid: CID, options: AbortOptions): Promise<Blob> {
  try {
    return await blobs.getBlob(cid, options)
  } catch (err) {
    if ((err as Error)?.name === 'NotFoundError') throw new NotLocal()
    throw err
  }
}

/** The parts of the node at `cid` (which starts at `offset` in the file) inside `wanted`. */
async function collect (blobs: BlobSource, blocks: ReadableStorage, cid: CID, offset: number, wanted: Span, options: AbortOptions): Promise<Array<Blob | Uint8Array>> {
  if (cid.multihash.code === identity.code) return [slice(cid.multihash.digest, offset, wanted)]
  if (cid.code === raw.code) return [slice(await leafBlob(blobs, cid, options), offset, wanted)]
  if (cid.code !== dagPb.code) throw new NotLocal()

  const bytes = await readBlock(blocks, cid, options)
  const node = dagPb.decode(bytes)
  const unixfs = UnixFS.unmarshal(node.Data ?? new Uint8Array())
  const parts: Array<Promise<Array<Blob | Uint8Array>>> = []
  let at = offset
  if (unixfs.data != null && unixfs.data.byteLength > 0) {
    if (at + unixfs.data.byteLength > wanted.start && at < wanted.end) parts.push(Promise.resolve([slice(unixfs.data, at, wanted)]))
    at += unixfs.data.byteLength
  }
  node.Links.forEach((link, i) => {
    const size = Number(unixfs.blockSizes[i] ?? 0n)
    if (at + size > wanted.start && at < wanted.end) parts.push(collect(blobs, blocks, link.Hash, at, wanted, options))
    at += size
  })
  return (await Promise.all(parts)).flat()
}

/** Bytes `start` to `end` (exclusive) of the file as one Blob, or undefined if not all local. */
export async function fileBlob (blobs: BlobSource, blocks: ReadableStorage, entry: FileEntry, start: number, end: number, options: AbortOptions = {}): Promise<Blob | undefined> {
  try {
    const parts = await collect(blobs, blocks, entry.cid, 0, { start, end }, options)
    return new Blob(parts as BlobPart[])
  } catch (err) {
    if (err instanceof NotLocal) return undefined
    throw err
  }
}
