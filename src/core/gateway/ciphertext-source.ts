/**
 * A UnixFS file as the crypto core's CiphertextSource. A read is cut into windows and
 * the next window is fetched while the current one is decrypted, so block reads overlap
 * decryption and about two windows are held whatever the consumer's pace (the exporter
 * alone reads a range ahead without bound: a paused <video> would pull a whole file
 * into memory). When the store hands out blocks as Blobs (IndexedDB), a window is one
 * Blob of its leaves read in one call: in the Service Worker's bench that made the
 * endpoint about 1.3 times as fast as the exporter's block-by-block reads. Otherwise,
 * or when a block is not local, the window is one readFileRange call.
 */
import { fileBlob } from './file-blob.ts'
import { readFileRange } from './read-file-range.ts'
import type { BlobSource } from './file-blob.ts'
import type { FileEntry } from './read-file-range.ts'
import type { CiphertextSource } from '../crypto/index.ts'
import type { AbortOptions } from '../types.ts'
import type { ReadableStorage } from 'ipfs-unixfs-exporter'

/**
 * Window edges fall on multiples of this file offset, so with the importer's fixed-size
 * chunks (256 KiB or 1 MiB) no leaf block is read by two windows.
 */
export const WINDOW_BYTES = 4 * 1024 * 1024

export interface CiphertextSourceInit {
  windowBytes?: number
  /** local blocks as Blobs, with the block source to read the file's inner nodes */
  blobs?: { blobs: BlobSource, blocks: ReadableStorage }
  /** where the file's blocks come from (else the exporter reads them) */
  blocks?: ReadableStorage
}

interface Window {
  /** where this window ends (exclusive) */
  to: number
  chunks: AsyncGenerator<Uint8Array>
  first: Promise<IteratorResult<Uint8Array>>
}

const ignore = (): void => {}

export function fileCiphertextSource (entry: FileEntry, init: CiphertextSourceInit = {}): CiphertextSource {
  const windowBytes = init.windowBytes ?? WINDOW_BYTES

  /** Starts reading the window that begins at `from`: the exporter walks as soon as it is asked once. */
  function start (from: number, end: number, options?: AbortOptions): Window {
    const to = Math.min(end, (Math.floor(from / windowBytes) + 1) * windowBytes)
    const chunks = windowChunks(from, to, options)
    const first = chunks.next()
    // awaited later; until then a failure must not surface as an unhandled rejection
    first.catch(ignore)
    return { to, chunks, first }
  }

  async function * windowChunks (from: number, to: number, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    const blob = init.blobs == null ? undefined : await fileBlob(init.blobs.blobs, init.blobs.blocks, entry, from, to, options)
    if (blob == null) {
      yield * readFileRange(entry, from, to - from, { blocks: init.blocks, signal: options?.signal })
      return
    }
    yield new Uint8Array(await blob.arrayBuffer())
  }

  async function * read (offset: number, length: number, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    if (length <= 0) return
    const end = offset + length
    let current: Window | undefined = start(offset, end, options)
    try {
      while (current != null) {
        const reading: Window = current
        current = reading.to < end ? start(reading.to, end, options) : undefined
        for (let result = await reading.first; result.done !== true; result = await reading.chunks.next()) {
          yield result.value
        }
      }
    } finally {
      // the consumer stopped early or a read failed: stop the window read ahead
      if (current != null) void current.chunks.return(undefined).catch(ignore)
    }
  }

  return { size: Number(entry.size), read }
}
