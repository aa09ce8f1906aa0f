/**
 * The v1 layout: a 60-byte header, then segments of `segmentSize` plaintext bytes, each
 * sealed with AES-256-GCM (16-byte tag). The final segment holds 1..segmentSize bytes
 * (0 only when the whole file is empty), so the segment count, and with it the plaintext
 * size, follows from the ciphertext size alone. Byte layout in docs/ENCRYPTION.md.
 */
import { DecryptionError } from './errors.ts'

export const MAGIC = Uint8Array.of(0x89, 0x42, 0x43, 0x41, 0x46, 0x45) // "\x89BCAFE"
export const VERSION = 1
export const ALGORITHM_AES_256_GCM_HKDF_SHA256 = 1
export const SALT_BYTES = 16
export const COMMITMENT_BYTES = 32
export const HEADER_BYTES = MAGIC.length + 1 + 1 + 4 + SALT_BYTES + COMMITMENT_BYTES // 60
export const TAG_BYTES = 16
export const DEFAULT_SEGMENT_SIZE = 64 * 1024
export const MIN_SEGMENT_SIZE = 64
export const MAX_SEGMENT_SIZE = 16 * 1024 * 1024
/** the nonce carries the segment index in 32 bits */
export const MAX_SEGMENTS = 2 ** 32

export interface Header {
  segmentSize: number
  salt: Uint8Array
  commitment: Uint8Array
  /** the header as written; it is the associated data of every segment */
  bytes: Uint8Array
}

export function checkSegmentSize (segmentSize: number): void {
  if (!Number.isInteger(segmentSize) || segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
    throw new RangeError(`segment size must be an integer in [${MIN_SEGMENT_SIZE}, ${MAX_SEGMENT_SIZE}]`)
  }
}

export function encodeHeader (segmentSize: number, salt: Uint8Array, commitment: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES)
  const view = new DataView(bytes.buffer)
  bytes.set(MAGIC, 0)
  bytes[6] = VERSION
  bytes[7] = ALGORITHM_AES_256_GCM_HKDF_SHA256
  view.setUint32(8, segmentSize)
  bytes.set(salt, 12)
  bytes.set(commitment, 12 + SALT_BYTES)
  return bytes
}

export function hasMagic (bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((byte, i) => bytes[i] === byte)
}

export function decodeHeader (bytes: Uint8Array): Header {
  if (!hasMagic(bytes) && bytes.length >= MAGIC.length) throw new DecryptionError('not a v1 encrypted file (no header; a legacy file needs its 44-byte key)', 'UNSUPPORTED_FORMAT')
  if (bytes.length < HEADER_BYTES) throw new DecryptionError('the file is shorter than its header', 'TRUNCATED')
  if (bytes[6] !== VERSION) throw new DecryptionError(`unsupported format version ${bytes[6]}`, 'UNSUPPORTED_FORMAT')
  if (bytes[7] !== ALGORITHM_AES_256_GCM_HKDF_SHA256) throw new DecryptionError(`unsupported algorithm ${bytes[7]}`, 'UNSUPPORTED_FORMAT')
  const header = bytes.slice(0, HEADER_BYTES)
  const segmentSize = new DataView(header.buffer).getUint32(8)
  if (segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
    throw new DecryptionError(`unsupported segment size ${segmentSize}`, 'UNSUPPORTED_FORMAT')
  }
  return {
    segmentSize,
    salt: header.subarray(12, 12 + SALT_BYTES),
    commitment: header.subarray(12 + SALT_BYTES, HEADER_BYTES),
    bytes: header
  }
}

/** 7 zero bytes, the segment index as uint32 big-endian, then 1 for the final segment, else 0. */
export function segmentNonce (index: number, final: boolean): Uint8Array {
  const nonce = new Uint8Array(12)
  new DataView(nonce.buffer).setUint32(7, index)
  nonce[11] = final ? 1 : 0
  return nonce
}

export function segmentCount (plaintextSize: number, segmentSize: number): number {
  return Math.max(1, Math.ceil(plaintextSize / segmentSize))
}

/** The ciphertext size of a plaintext of this size. */
export function encryptedSize (plaintextSize: number, segmentSize = DEFAULT_SEGMENT_SIZE): number {
  return HEADER_BYTES + plaintextSize + TAG_BYTES * segmentCount(plaintextSize, segmentSize)
}

export interface Layout {
  segmentSize: number
  segments: number
  plaintextSize: number
}

/** Segment count and plaintext size from the ciphertext size; throws if no v1 file has that size. */
export function layoutOf (ciphertextSize: number, segmentSize: number): Layout {
  const body = ciphertextSize - HEADER_BYTES
  if (body < TAG_BYTES) throw new DecryptionError('the file ends before its first segment', 'TRUNCATED')
  const sealed = segmentSize + TAG_BYTES
  const segments = Math.max(1, Math.ceil(body / sealed))
  const finalSealed = body - (segments - 1) * sealed
  if (finalSealed < TAG_BYTES) throw new DecryptionError('the file ends inside a segment tag', 'TRUNCATED')
  if (segments > 1 && finalSealed === TAG_BYTES) throw new DecryptionError('the file ends with an empty segment', 'DECRYPTION_FAILED')
  if (segments > MAX_SEGMENTS) throw new DecryptionError('too many segments', 'UNSUPPORTED_FORMAT')
  return { segmentSize, segments, plaintextSize: body - segments * TAG_BYTES }
}

/** Where segment `index` starts in the ciphertext. */
export function segmentOffset (index: number, segmentSize: number): number {
  return HEADER_BYTES + index * (segmentSize + TAG_BYTES)
}
