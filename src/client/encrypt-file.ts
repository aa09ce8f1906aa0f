/**
 * Client-side encryption and decryption of files, for clients that encrypt before adding
 * and for those that decrypt themselves rather than hand a key to a cafe. Thin over
 * src/core/crypto; the format is in docs/ENCRYPTION.md.
 */
import { decryptBytes, encryptBytes, encryptStream, formatFileKey, openEncryptedFile, parseFileKey } from '../core/crypto/index.ts'
import type { CiphertextSource, EncryptedFile, EncryptOptions, OpenOptions } from '../core/crypto/index.ts'

export { formatFileKey, parseFileKey } from '../core/crypto/index.ts'
export type { CiphertextSource, EncryptedFile, EncryptOptions, FileKey, OpenOptions } from '../core/crypto/index.ts'

export interface EncryptedFileResult<C> {
  ciphertext: C
  /** 32 bytes */
  key: Uint8Array
  /** the key as it goes in a `?key=` parameter */
  keyText: string
}

export async function encryptFile (plaintext: Uint8Array, options?: EncryptOptions): Promise<EncryptedFileResult<Uint8Array>>
export async function encryptFile (plaintext: AsyncIterable<Uint8Array>, options?: EncryptOptions): Promise<EncryptedFileResult<AsyncIterable<Uint8Array>>>
export async function encryptFile (plaintext: Uint8Array | AsyncIterable<Uint8Array>, options?: EncryptOptions): Promise<EncryptedFileResult<Uint8Array | AsyncIterable<Uint8Array>>> {
  const { key, ciphertext } = plaintext instanceof Uint8Array ? await encryptBytes(plaintext, options) : encryptStream(plaintext, options)
  return { ciphertext, key, keyText: formatFileKey(key) }
}

/** Bytes in, plaintext bytes out; a source in, an EncryptedFile to read (ranges too). */
export async function decryptFile (ciphertext: Uint8Array, keyText: string, options?: OpenOptions): Promise<Uint8Array>
export async function decryptFile (ciphertext: CiphertextSource, keyText: string, options?: OpenOptions): Promise<EncryptedFile>
export async function decryptFile (ciphertext: Uint8Array | CiphertextSource, keyText: string, options?: OpenOptions): Promise<Uint8Array | EncryptedFile> {
  const key = parseFileKey(keyText)
  return ciphertext instanceof Uint8Array ? await decryptBytes(ciphertext, key, options) : await openEncryptedFile(ciphertext, key, options)
}
