/**
 * A UnixFS file as the crypto core's CiphertextSource. The exporter reads a range ahead
 * of its consumer without bound, so a slow reader (a paused <video>) would pull a whole
 * file into memory; here a read is cut into windows, one readFileRange call each, and
 * the next window is started while the current one is decrypted: block reads overlap
 * decryption, and about two windows are buffered whatever the consumer's pace.
 */
import { readFileRange } from './read-file-range.ts'
import type { FileEntry } from './read-file-range.ts'
import type { CiphertextSource } from '../crypto/index.ts'
import type { AbortOptions } from '../types.ts'

/**
 * Window edges fall on multiples of this file offset, so with the importer's fixed-size
 * chunks (256 KiB or 1 MiB) no leaf block is read by two windows.
 */
export const WINDOW_BYTES = 4 * 1024 * 1024

export interface CiphertextSourceInit {
  windowBytes?: number
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
    const chunks = readFileRange(entry, from, to - from, options)
    const first = chunks.next()
    // awaited later; until then a failure must not surface as an unhandled rejection
    first.catch(ignore)
    return { to, chunks, first }
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
