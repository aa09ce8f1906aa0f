/**
 * Reads a byte range of a UnixFS file (or raw / identity block) without touching the
 * blocks outside it: the walk seeks with the file's blocksizes.
 *
 * Given the block source, the walk is our own, pull-driven with a bounded read-ahead
 * (READ_AHEAD child blocks per level): the exporter's `content()` reads a whole range
 * ahead of its consumer without bound, and when its signal aborts it leaves rejected
 * promises nobody handles (which ends a Node process). Without it, the exporter reads.
 */
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import * as raw from 'multiformats/codecs/raw'
import { BadRequestError } from '../errors.ts'
import { readBlock } from './block-source.ts'
import type { AbortOptions } from '../types.ts'
import type { IdentityNode, RawNode, ReadableStorage, UnixFSEntry, UnixFSFile } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'

/** An exported entry whose bytes can be read. */
export type FileEntry = UnixFSFile | RawNode | IdentityNode

export interface ReadFileOptions extends AbortOptions {
  /** where the file's blocks come from (our walk); without it the exporter reads */
  blocks?: ReadableStorage
}

/** Child blocks fetched ahead of the one being read, per level of the file's tree. */
export const READ_AHEAD = 8

export function isFileEntry (entry: UnixFSEntry): entry is FileEntry {
  return entry.type === 'file' || entry.type === 'raw' || entry.type === 'identity'
}

/** Streams `length` bytes from `offset` (default: to the end). */
export function readFileRange (entry: FileEntry, offset = 0, length?: number, options: ReadFileOptions = {}): AsyncGenerator<Uint8Array> {
  const size = Number(entry.size)
  const len = length ?? size - offset
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(len) || offset < 0 || len < 0 || offset + len > size) {
    throw new BadRequestError(`range ${offset}+${len} is outside a file of ${size} bytes`, 'RANGE_INVALID')
  }
  if (options.blocks == null) {
    return entry.content({ offset, length: len, signal: options.signal, blockReadConcurrency: 8 })
  }
  return readSpan(options.blocks, entry, offset, offset + len, options)
}

async function * readSpan (blocks: ReadableStorage, entry: FileEntry, start: number, end: number, options: AbortOptions): AsyncGenerator<Uint8Array> {
  if (start === end) return
  if (entry.type !== 'file') {
    yield entry.node.subarray(start, end)
    return
  }
  let read = 0
  for await (const chunk of walk(blocks, entry.node, 0, start, end, options)) {
    read += chunk.byteLength
    yield chunk
  }
  if (read !== end - start) {
    throw new Error(`the file's blocks hold ${read} of the ${end - start} bytes its root promises`)
  }
}

type Settled = { bytes: Uint8Array, error?: undefined } | { bytes?: undefined, error: unknown }

/** A read that never rejects: its failure is kept until the walk reaches it. */
function settle (read: Promise<Uint8Array>): Promise<Settled> {
  return read.then(bytes => ({ bytes }), (error: unknown) => ({ error }))
}

/** The bytes of `node` (which starts at `at` in the file) inside [start, end). */
async function * walk (blocks: ReadableStorage, node: dagPb.PBNode | Uint8Array, at: number, start: number, end: number, options: AbortOptions): AsyncGenerator<Uint8Array> {
  if (node instanceof Uint8Array) {
    const slice = node.subarray(Math.max(0, start - at), Math.max(0, Math.min(node.byteLength, end - at)))
    if (slice.byteLength > 0) yield slice
    return
  }

  const unixfs = UnixFS.unmarshal(node.Data ?? new Uint8Array(0))
  if (unixfs.data != null && unixfs.data.byteLength > 0) {
    yield * walk(blocks, unixfs.data, at, start, end, options)
    at += unixfs.data.byteLength
  }

  const children: Array<{ cid: CID, at: number }> = []
  node.Links.forEach((link, i) => {
    const size = Number(unixfs.blockSizes[i] ?? 0n)
    if (at < end && at + size > start) children.push({ cid: link.Hash, at })
    at += size
  })

  const pending: Array<Promise<Settled>> = []
  let fetched = 0
  for (const child of children) {
    while (pending.length < READ_AHEAD && fetched < children.length) {
      pending.push(settle(readBlock(blocks, children[fetched++].cid, options)))
    }
    const result = await (pending.shift() as Promise<Settled>)
    if (result.error != null) throw result.error
    const bytes = result.bytes as Uint8Array
    const decoded = child.cid.code === raw.code ? bytes : child.cid.code === dagPb.code ? dagPb.decode(bytes) : undefined
    if (decoded == null) throw new Error(`a UnixFS file cannot link a block of codec 0x${child.cid.code.toString(16)}`)
    yield * walk(blocks, decoded, child.at, start, end, options)
  }
}
