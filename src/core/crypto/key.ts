/**
 * File keys and their URL text. A v1 key is 32 bytes written as base64url without
 * padding (43 characters). A legacy go-textile key is 44 bytes (AES-256 key + GCM nonce),
 * written as base58btc, or, for links made before go-textile 386b63cb, as the 44 key
 * bytes themselves (two KSUID strings cut to 44 characters). See docs/ENCRYPTION.md.
 */
import { base58btc } from 'multiformats/bases/base58'
import { base64url } from 'multiformats/bases/base64'
import { BadRequestError } from '../errors.ts'

export const V1_KEY_BYTES = 32
export const LEGACY_KEY_BYTES = 44

export type FileKeyFormat = 'v1' | 'legacy'

export interface FileKey {
  readonly format: FileKeyFormat
  readonly bytes: Uint8Array
}

const V1_TEXT = /^[A-Za-z0-9_-]{43}$/
const KSUID_ERA_TEXT = /^[A-Za-z0-9]{44}$/

function invalidKey (reason: string): BadRequestError {
  return new BadRequestError(`invalid file key: ${reason}`, 'KEY_INVALID')
}

/** The format a key of these bytes is for, told by its length. */
export function toFileKey (bytes: Uint8Array): FileKey {
  if (bytes.length === V1_KEY_BYTES) return { format: 'v1', bytes: Uint8Array.from(bytes) }
  if (bytes.length === LEGACY_KEY_BYTES) return { format: 'legacy', bytes: Uint8Array.from(bytes) }
  throw invalidKey(`a key has ${V1_KEY_BYTES} or ${LEGACY_KEY_BYTES} bytes, not ${bytes.length}`)
}

export function generateFileKey (): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(V1_KEY_BYTES))
}

function decode (decoder: { baseDecode: (text: string) => Uint8Array }, text: string): Uint8Array | undefined {
  try {
    return decoder.baseDecode(text)
  } catch {
    return undefined
  }
}

/** Parses a `key` query parameter; throws BadRequestError (KEY_INVALID) on anything else. */
export function parseFileKey (text: string): FileKey {
  if (typeof text !== 'string' || text.length === 0) throw invalidKey('empty')
  if (V1_TEXT.test(text)) {
    const bytes = decode(base64url, text)
    // 43 characters carry 258 bits: the last character's 2 spare bits must be zero (one text per key)
    if (bytes?.length === V1_KEY_BYTES && base64url.baseEncode(bytes) === text) return toFileKey(bytes)
    throw invalidKey('not canonical base64url')
  }
  if (KSUID_ERA_TEXT.test(text)) return toFileKey(new TextEncoder().encode(text))
  const bytes = decode(base58btc, text)
  if (bytes?.length === LEGACY_KEY_BYTES) return toFileKey(bytes)
  throw invalidKey('expected 43 base64url characters (v1) or base58btc of 44 bytes (legacy)')
}

/** The canonical text of a key: base64url for v1, base58btc for legacy keys. */
export function formatFileKey (key: FileKey | Uint8Array): string {
  const { format, bytes } = key instanceof Uint8Array ? toFileKey(key) : key
  return format === 'v1' ? base64url.baseEncode(bytes) : base58btc.baseEncode(bytes)
}
