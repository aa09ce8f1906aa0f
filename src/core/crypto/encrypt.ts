/** Encrypts a plaintext stream into the v1 format, one segment at a time. */
import { BadRequestError } from '../errors.ts'
import { deriveKeys, importAesGcmKey, seal } from './aead.ts'
import { checkSegmentSize, DEFAULT_SEGMENT_SIZE, encodeHeader, encryptedSize, MAX_SEGMENTS, SALT_BYTES, segmentNonce } from './format.ts'
import { generateFileKey, V1_KEY_BYTES } from './key.ts'
import { fixedChunks } from './source.ts'
import type { AbortOptions } from '../types.ts'

export interface EncryptOptions extends AbortOptions {
  /** 32 bytes; a fresh random key when absent */
  key?: Uint8Array
  /** plaintext bytes per segment, 64 KiB by default */
  segmentSize?: number
  /** the header salt, random when absent; fixed only to reproduce test vectors */
  salt?: Uint8Array
}

export interface EncryptedStream {
  key: Uint8Array
  ciphertext: AsyncIterable<Uint8Array>
}

export interface EncryptedBytes {
  key: Uint8Array
  ciphertext: Uint8Array
}

interface Settings {
  key: Uint8Array
  segmentSize: number
  salt: Uint8Array
}

function settingsOf (options: EncryptOptions): Settings {
  const key = options.key ?? generateFileKey()
  if (key.length !== V1_KEY_BYTES) throw new BadRequestError(`an encryption key has ${V1_KEY_BYTES} bytes`, 'KEY_INVALID')
  const salt = options.salt ?? crypto.getRandomValues(new Uint8Array(SALT_BYTES))
  if (salt.length !== SALT_BYTES) throw new BadRequestError(`a salt has ${SALT_BYTES} bytes`, 'SALT_INVALID')
  const segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE
  try {
    checkSegmentSize(segmentSize)
  } catch (err) {
    throw new BadRequestError((err as Error).message, 'SEGMENT_SIZE_INVALID')
  }
  return { key: Uint8Array.from(key), segmentSize, salt: Uint8Array.from(salt) }
}

async function * sealSegments (plaintext: AsyncIterable<Uint8Array>, settings: Settings, options: AbortOptions): AsyncGenerator<Uint8Array> {
  const { payloadKey, commitment } = deriveKeys(settings.key, settings.salt)
  const header = encodeHeader(settings.segmentSize, settings.salt, commitment)
  const aesKey = await importAesGcmKey(payloadKey, 'encrypt')
  yield header
  // one segment is held back until more plaintext shows it was not the final one
  let held: Uint8Array | undefined
  let index = 0
  for await (const piece of fixedChunks(plaintext, settings.segmentSize)) {
    options.signal?.throwIfAborted()
    if (held != null) {
      if (index === MAX_SEGMENTS - 1) throw new BadRequestError('the plaintext is too long for this segment size', 'PLAINTEXT_TOO_LONG')
      yield await seal(aesKey, segmentNonce(index++, false), held, header)
    }
    // a copy: the piece may be a view of the producer's buffer, which it may reuse
    held = piece.slice()
  }
  yield await seal(aesKey, segmentNonce(index, true), held ?? new Uint8Array(0), header)
}

/** The key is known at once; the ciphertext is produced as the plaintext is read. */
export function encryptStream (plaintext: AsyncIterable<Uint8Array>, options: EncryptOptions = {}): EncryptedStream {
  const settings = settingsOf(options)
  return { key: Uint8Array.from(settings.key), ciphertext: sealSegments(plaintext, settings, options) }
}

export async function encryptBytes (bytes: Uint8Array, options: EncryptOptions = {}): Promise<EncryptedBytes> {
  const settings = settingsOf(options)
  const out = new Uint8Array(encryptedSize(bytes.length, settings.segmentSize))
  let filled = 0
  for await (const chunk of sealSegments(single(bytes), settings, options)) {
    out.set(chunk, filled)
    filled += chunk.length
  }
  return { key: Uint8Array.from(settings.key), ciphertext: out }
}

async function * single (bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes
}
