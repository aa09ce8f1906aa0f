import { BadRequestError } from '../errors.ts'
import { openLegacyFile } from './legacy-file.ts'
import { bytesSource } from './source.ts'
import { openV1File } from './v1-file.ts'
import type { EncryptedFile } from './encrypted-file.ts'
import type { FileKey } from './key.ts'
import type { LegacyOptions } from './legacy-file.ts'
import type { CiphertextSource } from './source.ts'

export type OpenOptions = LegacyOptions

/**
 * Opens an encrypted file for reading. The key's length chooses the format (32 bytes:
 * v1, 44: legacy); the file's header must agree. Throws DecryptionError (422) for a wrong
 * key or a damaged file, PayloadTooLargeError (413) for an oversized legacy file.
 */
export async function openEncryptedFile (source: CiphertextSource, key: FileKey, options: OpenOptions = {}): Promise<EncryptedFile> {
  if (!Number.isSafeInteger(source.size) || source.size < 0) throw new BadRequestError('the ciphertext size is not a byte count', 'SIZE_INVALID')
  options.signal?.throwIfAborted()
  return key.format === 'v1' ? await openV1File(source, key, options) : await openLegacyFile(source, key, options)
}

/** Decrypts a ciphertext held in memory. A legacy file of any size is accepted here. */
export async function decryptBytes (ciphertext: Uint8Array, key: FileKey, options: OpenOptions = {}): Promise<Uint8Array> {
  const file = await openEncryptedFile(bytesSource(ciphertext), key, { maxLegacySize: Infinity, ...options })
  const out = new Uint8Array(file.plaintextSize)
  let filled = 0
  for await (const chunk of file.read(undefined, options)) {
    out.set(chunk, filled)
    filled += chunk.length
  }
  return out
}
