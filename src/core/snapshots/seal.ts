/**
 * Client-side snapshot cryptography (runtime-agnostic; the client library calls it, the cafe
 * never does). The key is derived from the account key with HKDF-SHA256; a snapshot is
 * dag-cbor `{ v, metadata, head }` sealed with XChaCha20-Poly1305 under a random 24-byte nonce
 * (prepended), with the thread id as associated data: a snapshot stored under another thread
 * id, or altered, does not open.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/ciphers/utils.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { BadRequestError } from '../errors.ts'

const KEY_INFO = new TextEncoder().encode('browser-cafe/thread-snapshot/v1')
const AAD_PREFIX = 'browser-cafe/thread-snapshot/v1\0'
const NONCE_BYTES = 24
const TAG_BYTES = 16
const VERSION = 1

export interface SnapshotContent {
  /** anything dag-cbor encodes: objects, strings, numbers, Uint8Arrays (thread keys), CIDs */
  metadata: unknown
  /** the thread's latest HEAD CID */
  head?: string
}

/** The account private key (a libp2p PrivateKey, or its raw bytes) → a 32-byte snapshot key. */
export function deriveSnapshotKey (accountPrivateKey: { raw: Uint8Array } | Uint8Array): Uint8Array {
  const secret = accountPrivateKey instanceof Uint8Array ? accountPrivateKey : accountPrivateKey.raw
  if (secret.byteLength < 32) throw new BadRequestError('the account key is too short')
  return hkdf(sha256, secret, undefined, KEY_INFO, 32)
}

function aad (threadId: string): Uint8Array {
  return new TextEncoder().encode(AAD_PREFIX + threadId)
}

export function sealSnapshot (key: Uint8Array, threadId: string, content: SnapshotContent): Uint8Array {
  const plaintext = dagCbor.encode({ v: VERSION, metadata: content.metadata ?? null, head: content.head ?? null })
  const nonce = randomBytes(NONCE_BYTES)
  const sealed = xchacha20poly1305(key, nonce, aad(threadId)).encrypt(plaintext)
  const out = new Uint8Array(NONCE_BYTES + sealed.byteLength)
  out.set(nonce)
  out.set(sealed, NONCE_BYTES)
  return out
}

/** Throws BadRequestError SNAPSHOT_UNREADABLE for a wrong key, another thread's snapshot, or altered bytes. */
export function openSnapshot (key: Uint8Array, threadId: string, ciphertext: Uint8Array): SnapshotContent {
  if (ciphertext.byteLength < NONCE_BYTES + TAG_BYTES) throw new BadRequestError('the snapshot is too short', 'SNAPSHOT_UNREADABLE')
  let plaintext: Uint8Array
  try {
    plaintext = xchacha20poly1305(key, ciphertext.subarray(0, NONCE_BYTES), aad(threadId)).decrypt(ciphertext.subarray(NONCE_BYTES))
  } catch {
    throw new BadRequestError('the snapshot does not open with this key for this thread', 'SNAPSHOT_UNREADABLE')
  }
  const decoded = dagCbor.decode<{ v: number, metadata: unknown, head: string | null }>(plaintext)
  if (decoded?.v !== VERSION) throw new BadRequestError(`unknown snapshot version ${String(decoded?.v)}`, 'SNAPSHOT_UNREADABLE')
  const content: SnapshotContent = { metadata: decoded.metadata }
  if (decoded.head != null) content.head = decoded.head
  return content
}
