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
  /** several blocks at once (one IndexedDB transaction), in order; the same errors */
  getBlobs?(cids: CID[], options?: AbortOptions): Promise<Blob[]>
}

interface Span { start: number, end: number }

class NotLocal extends Error {}

/** The part of `part` inside `wanted`; a whole part as it is (a Blob's slice costs a call into the browser). */
function slice (part: Blob | Uint8Array, partOffset: number, wanted: Span): Blob | Uint8Array {
  const size = part instanceof Blob ? part.size : part.byteLength
  const from = Math.max(0, wanted.start - partOffset)
  const to = Math.min(size, wanted.end - partOffset)
  return from === 0 && to === size ? part : part.slice(from, to)
}

async function leafBlobs (blobs: BlobSource, cids: CID[], options: AbortOptions): Promise<Blob[]> {
  try {
    if (blobs.getBlobs != null) return await blobs.getBlobs(cids, options)
    return await Promise.all(cids.map(async cid => blobs.getBlob(cid, options)))
  } catch (err) {
    if ((err as Error)?.name === 'NotFoundError') throw new NotLocal()
    throw err
  }
}

/** The parts of the node at `cid` (which starts at `offset` in the file) inside `wanted`. */
async function collect (blobs: BlobSource, blocks: ReadableStorage, cid: CID, offset: number, wanted: Span, options: AbortOptions): Promise<Array<Blob | Uint8Array>> {
  if (cid.multihash.code === identity.code) return [slice(cid.multihash.digest, offset, wanted)]
  if (cid.code === raw.code) return [slice((await leafBlobs(blobs, [cid], options))[0], offset, wanted)]
  if (cid.code !== dagPb.code) throw new NotLocal()

  const bytes = await readBlock(blocks, cid, options)
  const node = dagPb.decode(bytes)
  const unixfs = UnixFS.unmarshal(node.Data ?? new Uint8Array())
  const parts: Array<Promise<Array<Blob | Uint8Array>>> = []
  // the raw leaves among the children are read together, one store transaction for all
  const leaves: Array<{ cid: CID, at: number, index: number }> = []
  let at = offset
  if (unixfs.data != null && unixfs.data.byteLength > 0) {
    if (at + unixfs.data.byteLength > wanted.start && at < wanted.end) parts.push(Promise.resolve([slice(unixfs.data, at, wanted)]))
    at += unixfs.data.byteLength
  }
  node.Links.forEach((link, i) => {
    const size = Number(unixfs.blockSizes[i] ?? 0n)
    if (at + size > wanted.start && at < wanted.end) {
      if (link.Hash.code === raw.code && link.Hash.multihash.code !== identity.code) {
        leaves.push({ cid: link.Hash, at, index: parts.length })
        parts.push(Promise.resolve([]))
      } else {
        parts.push(collect(blobs, blocks, link.Hash, at, wanted, options))
      }
    }
    at += size
  })
  if (leaves.length > 0) {
    const read = leafBlobs(blobs, leaves.map(leaf => leaf.cid), options)
    leaves.forEach((leaf, i) => { parts[leaf.index] = read.then(blobs => [slice(blobs[i], leaf.at, wanted)]) })
  }
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
