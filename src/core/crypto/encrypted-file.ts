import { RangeNotSatisfiableError } from './errors.ts'
import type { FileKeyFormat } from './key.ts'
import type { AbortOptions } from '../types.ts'

export interface ByteRange {
  offset: number
  length: number
}

/** A decryptable file. Every chunk `read` yields comes from an authenticated segment. */
export interface EncryptedFile {
  readonly format: FileKeyFormat
  /** known without decrypting the whole file; authenticated when `openEncryptedFile` returns */
  readonly plaintextSize: number
  /** the plaintext, or the plaintext bytes [offset, offset + length); the whole file when absent */
  read(range?: ByteRange, options?: AbortOptions): AsyncIterable<Uint8Array>
}

/** The range, checked against the plaintext size (an HTTP layer clamps `bytes=a-b` first). */
export function checkRange (range: ByteRange | undefined, size: number): ByteRange {
  if (range == null) return { offset: 0, length: size }
  const { offset, length } = range
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new RangeNotSatisfiableError(`range ${offset}+${length} is outside the ${size}-byte plaintext`)
  }
  return { offset, length }
}
