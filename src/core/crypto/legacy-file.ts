/**
 * The go-textile format: the whole plaintext sealed once with AES-256-GCM under the
 * key's first 32 bytes and its last 12 as the nonce, no header, no associated data.
 * The one tag sits at the end, so the whole ciphertext is read and authenticated
 * before any plaintext is released; files above `maxLegacySize` are refused.
 */
import { PayloadTooLargeError } from '../errors.ts'
import { webCryptoAead } from './aead.ts'
import { checkRange } from './encrypted-file.ts'
import { DecryptionError } from './errors.ts'
import { hasMagic, TAG_BYTES } from './format.ts'
import { readExactly } from './source.ts'
import type { Aead } from './aead.ts'
import type { ByteRange, EncryptedFile } from './encrypted-file.ts'
import type { FileKey } from './key.ts'
import type { CiphertextSource } from './source.ts'
import type { AbortOptions } from '../types.ts'

export const DEFAULT_MAX_LEGACY_SIZE = 64 * 1024 * 1024
const CHUNK_SIZE = 64 * 1024

export interface LegacyOptions extends AbortOptions {
  /** largest legacy ciphertext decrypted (whole, in memory); 64 MiB by default */
  maxLegacySize?: number
  /** opens the ciphertext (default WebCrypto) */
  aead?: Aead
}

class LegacyFile implements EncryptedFile {
  readonly format = 'legacy'
  readonly plaintextSize: number
  private readonly plaintext: Uint8Array

  constructor (plaintext: Uint8Array) {
    this.plaintext = plaintext
    this.plaintextSize = plaintext.length
  }

  async * read (range?: ByteRange, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    const { offset, length } = checkRange(range, this.plaintextSize)
    for (let at = offset; at < offset + length; at += CHUNK_SIZE) {
      options?.signal?.throwIfAborted()
      yield this.plaintext.slice(at, Math.min(at + CHUNK_SIZE, offset + length))
    }
  }
}

export async function openLegacyFile (source: CiphertextSource, key: FileKey, options: LegacyOptions = {}): Promise<EncryptedFile> {
  const limit = options.maxLegacySize ?? DEFAULT_MAX_LEGACY_SIZE
  if (source.size > limit) {
    throw new PayloadTooLargeError(`a legacy encrypted file is decrypted whole; this one has ${source.size} bytes, over the ${limit}-byte limit`, 'LEGACY_FILE_TOO_LARGE')
  }
  if (source.size < TAG_BYTES) throw new DecryptionError('the file is shorter than its tag', 'TRUNCATED')
  const ciphertext = await readExactly(source, 0, source.size, options)
  const aesKey = await (options.aead ?? webCryptoAead).openingKey(key.bytes.subarray(0, 32))
  try {
    return new LegacyFile(await aesKey.open(key.bytes.subarray(32), ciphertext))
  } catch (err) {
    if (!(err instanceof DecryptionError)) throw err
    if (hasMagic(ciphertext)) throw new DecryptionError('this is a v1 file; its key has 32 bytes, not 44', 'UNSUPPORTED_FORMAT')
    throw new DecryptionError('wrong key, or a tampered or truncated file')
  }
}
