/**
 * AES-256-GCM through WebCrypto (native, in every browser context and in Node), and the
 * v1 key schedule: HKDF-SHA256 from the file key and the header salt to a payload key
 * and a key commitment. Opening is an injectable component (`Aead`): WebCrypto by
 * default; the headless cafe passes node:crypto's (src/node/aead.ts), which opens a
 * 64 KiB segment on the calling thread in less time than one WebCrypto call costs.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { DecryptionError } from './errors.ts'

const encoder = new TextEncoder()
export const PAYLOAD_KEY_INFO = encoder.encode('browser-cafe encrypted file v1 payload key')
export const COMMITMENT_INFO = encoder.encode('browser-cafe encrypted file v1 key commitment')

export interface DerivedKeys {
  payloadKey: Uint8Array
  commitment: Uint8Array
}

export function deriveKeys (fileKey: Uint8Array, salt: Uint8Array): DerivedKeys {
  return {
    payloadKey: hkdf(sha256, fileKey, salt, PAYLOAD_KEY_INFO, 32),
    commitment: hkdf(sha256, fileKey, salt, COMMITMENT_INFO, 32)
  }
}

/** Compares without an early exit. */
export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i]
  return diff === 0
}

// WebCrypto wants ArrayBuffer-backed views; ours always are, TypeScript cannot tell.
function buffer (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>
}

export async function importAesGcmKey (key: Uint8Array, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  return await crypto.subtle.importKey('raw', buffer(key), { name: 'AES-GCM' }, false, [usage])
}

export async function seal (key: CryptoKey, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array> {
  const params: AesGcmParams = { name: 'AES-GCM', iv: buffer(nonce), tagLength: 128 }
  if (aad != null) params.additionalData = buffer(aad)
  return new Uint8Array(await crypto.subtle.encrypt(params, key, buffer(plaintext)))
}

/** AES-256-GCM keys that open (decrypt and authenticate) ciphertexts. */
export interface Aead {
  openingKey(key: Uint8Array): Promise<OpeningKey>
}

export interface OpeningKey {
  /**
   * The plaintext of `sealed` (ciphertext, then its 16-byte tag), returned only after the
   * tag verifies; a failed tag throws DecryptionError('authentication failed').
   */
  open(nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Promise<Uint8Array> | Uint8Array
}

/** WebCrypto's AES-GCM: works off the calling thread, so several opens in flight overlap. */
export const webCryptoAead: Aead = {
  async openingKey (key) {
    const aesKey = await importAesGcmKey(key, 'decrypt')
    return { open: async (nonce, sealed, aad) => await open(aesKey, nonce, sealed, aad) }
  }
}

/** Throws DecryptionError when the tag does not verify. */
export async function open (key: CryptoKey, nonce: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array> {
  const params: AesGcmParams = { name: 'AES-GCM', iv: buffer(nonce), tagLength: 128 }
  if (aad != null) params.additionalData = buffer(aad)
  try {
    return new Uint8Array(await crypto.subtle.decrypt(params, key, buffer(ciphertext)))
  } catch (err) {
    if ((err as Error)?.name === 'OperationError') throw new DecryptionError('authentication failed')
    throw err
  }
}
