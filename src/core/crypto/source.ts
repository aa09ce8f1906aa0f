import { DecryptionError } from './errors.ts'
import type { AbortOptions } from '../types.ts'

/** Random access to a ciphertext, e.g. a UnixFS file read by offset and length. */
export interface CiphertextSource {
  size: number
  read(offset: number, length: number, options?: AbortOptions): AsyncIterable<Uint8Array>
}

export function bytesSource (bytes: Uint8Array): CiphertextSource {
  return {
    size: bytes.length,
    async * read (offset, length) {
      yield bytes.subarray(offset, offset + length)
    }
  }
}

/**
 * Regroups a stream into chunks of exactly `size` bytes, then whatever is left (if any).
 * A chunk that already is a whole piece is passed on without a copy.
 */
export async function * fixedChunks (stream: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let piece = new Uint8Array(size)
  let filled = 0
  for await (let chunk of stream) {
    while (chunk.length > 0) {
      if (filled === 0 && chunk.length >= size) {
        yield chunk.subarray(0, size)
        chunk = chunk.subarray(size)
        continue
      }
      const take = Math.min(size - filled, chunk.length)
      piece.set(chunk.subarray(0, take), filled)
      filled += take
      chunk = chunk.subarray(take)
      if (filled === size) {
        yield piece
        piece = new Uint8Array(size)
        filled = 0
      }
    }
  }
  if (filled > 0) yield piece.subarray(0, filled)
}

/** Reads `length` bytes at `offset` into one buffer; a short source is a truncated file. */
export async function readExactly (source: CiphertextSource, offset: number, length: number, options?: AbortOptions): Promise<Uint8Array> {
  const out = new Uint8Array(length)
  let filled = 0
  for await (const chunk of source.read(offset, length, options)) {
    const take = Math.min(chunk.length, length - filled)
    out.set(chunk.subarray(0, take), filled)
    filled += take
    if (filled === length) break
  }
  if (filled < length) throw new DecryptionError('the ciphertext ended before its declared size', 'TRUNCATED')
  return out
}
