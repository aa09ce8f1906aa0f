/** Small byte helpers shared by the account services (no Node or DOM APIs). */
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { toString } from 'uint8arrays/to-string'
import { fromString } from 'uint8arrays/from-string'

export function randomBase64url (bytes: number): string {
  return toString(randomBytes(bytes), 'base64url')
}

export function sha256Hex (text: string): string {
  return toString(sha256(fromString(text)), 'base16')
}

export function toBase64url (bytes: Uint8Array): string {
  return toString(bytes, 'base64url')
}

/** Decodes base64url, or returns undefined for anything that is not. */
export function fromBase64url (text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined
  try {
    return fromString(text, 'base64url')
  } catch {
    return undefined
  }
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual (a: string, b: string): boolean {
  const x = fromString(a)
  const y = fromString(b)
  let diff = x.length ^ y.length
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0)
  return diff === 0
}
