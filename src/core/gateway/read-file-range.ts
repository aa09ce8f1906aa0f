/**
 * Reads a byte range of a UnixFS file (or raw / identity block) without touching the
 * blocks outside it: the exporter seeks with the file's blocksizes.
 */
import { BadRequestError } from '../errors.ts'
import type { AbortOptions } from '../types.ts'
import type { IdentityNode, RawNode, UnixFSEntry, UnixFSFile } from 'ipfs-unixfs-exporter'

/** An exported entry whose bytes can be read. */
export type FileEntry = UnixFSFile | RawNode | IdentityNode

export function isFileEntry (entry: UnixFSEntry): entry is FileEntry {
  return entry.type === 'file' || entry.type === 'raw' || entry.type === 'identity'
}

/** Streams `length` bytes from `offset` (default: to the end). */
export function readFileRange (entry: FileEntry, offset = 0, length?: number, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
  const size = Number(entry.size)
  const len = length ?? size - offset
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(len) || offset < 0 || len < 0 || offset + len > size) {
    throw new BadRequestError(`range ${offset}+${len} is outside a file of ${size} bytes`, 'INVALID_RANGE')
  }
  return entry.content({ offset, length: len, signal: options.signal, blockReadConcurrency: 8 })
}
