/**
 * Message envelopes: a body encrypted for one recipient, signed by its sender.
 *
 * Encryption: an ephemeral X25519 key agrees a secret with the recipient's X25519 key
 * (the Montgomery form of its Ed25519 libp2p key); HKDF-SHA256 turns that into an
 * XChaCha20-Poly1305 key and nonce; the header (version, sender, recipient, time,
 * nonce) is the AAD, so a body cannot be moved to another envelope. `body` is the
 * ephemeral public key followed by the ciphertext.
 *
 * Signature: the sender's Ed25519 key signs 'cafe-envelope-v1' NUL dag-cbor(all fields
 * but `signature`). The cafe checks it without reading the body; so does the recipient.
 *
 * Runtime-agnostic: used by the client library and by the cafe.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { peerIdFromPrivateKey, peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { BadRequestError } from '../errors.ts'
import { decodeCbor, encodeCbor, fromBase64, signingBytes, toBase64 } from '../util/canonical.ts'
import type { AbortOptions, PeerId, PrivateKey, PublicKey } from '@libp2p/interface'

export const ENVELOPE_DOMAIN = 'cafe-envelope-v1'
const KDF_INFO = fromString('cafe-envelope-v1 x25519-hkdf-sha256-xchacha20poly1305')
const NONCE_BYTES = 16
const EPHEMERAL_BYTES = 32
const TAG_BYTES = 16
const SIGNATURE_BYTES = 64
const MAX_PEER_ID_LENGTH = 128
const SIGNING_PREFIX = fromString(`${ENVELOPE_DOMAIN}\0`)
// the encoder's own bytes: the `signature` entry (its key, then a 64-byte string) and the head of a six-entry map
const SIGNATURE_ENTRY_BYTES = encodeCbor({ signature: new Uint8Array(SIGNATURE_BYTES) }).byteLength - 1
const UNSIGNED_MAP_HEAD = encodeCbor({ a: 0, b: 0, c: 0, d: 0, e: 0, f: 0 }).subarray(0, 1)

export interface Envelope {
  v: 1
  /** recipient peer id */
  to: string
  /** sender peer id; its key signed the envelope */
  from: string
  /** sender's clock, ms since the epoch (informational: the cafe stamps its own time) */
  sentAt: number
  /** 16 random bytes, so two equal messages are two envelopes */
  nonce: Uint8Array
  /** ephemeral X25519 public key (32 bytes) then XChaCha20-Poly1305 ciphertext */
  body: Uint8Array
  signature: Uint8Array
}

/** The envelope with bytes as base64 strings, for JSON (the HTTP door). */
export interface EnvelopeJSON {
  v: 1
  to: string
  from: string
  sentAt: number
  nonce: string
  body: string
  signature: string
}

export interface OpenedMessage {
  from: string
  to: string
  sentAt: number
  plaintext: Uint8Array
}

export interface VerifyOptions extends AbortOptions {
  /** the key of a sender peer id, as senderKeyOf gives it; a long-running verifier may pass one that remembers (default: senderKeyOf) */
  senderKey?(peerId: string): PublicKey
}

export interface SealOptions extends AbortOptions {
  /** sender's time in ms; defaults to Date.now() */
  sentAt?: number
}

export type Recipient = string | PeerId | PublicKey

/** Encrypt `plaintext` for `recipient` and sign the envelope with `senderKey`. */
export async function sealMessage (senderKey: PrivateKey, recipient: Recipient, plaintext: Uint8Array, options: SealOptions = {}): Promise<Envelope> {
  const recipientKey = recipientPublicKey(recipient)
  const to = peerIdFromPublicKey(recipientKey).toString()
  const from = peerIdFromPrivateKey(senderKey).toString()
  const header = { v: 1 as const, to, from, sentAt: options.sentAt ?? Date.now(), nonce: randomBytes(NONCE_BYTES) }

  const ephemeralSecret = x25519.utils.randomSecretKey()
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret)
  const recipientX = ed25519.utils.toMontgomery(recipientKey.raw)
  const cipher = envelopeCipher(x25519.getSharedSecret(ephemeralSecret, recipientX), ephemeralPublic, recipientX, header)
  const body = concat([ephemeralPublic, cipher.encrypt(plaintext)])

  const unsigned = { ...header, body }
  // Node's signer returns a Buffer: keep a plain Uint8Array so envelopes compare and encode alike everywhere
  const signature = new Uint8Array(await senderKey.sign(signingBytes(ENVELOPE_DOMAIN, unsigned), options))
  return { ...unsigned, signature }
}

/** Check the signature against the `from` peer id's key; throws BadRequestError SIGNATURE_INVALID. */
export async function verifyEnvelope (envelope: Envelope, options: AbortOptions = {}): Promise<void> {
  const { signature, ...unsigned } = envelope
  await checkSignature(senderKeyOf(envelope.from), signingBytes(ENVELOPE_DOMAIN, unsigned), signature, options)
}

/**
 * verifyEnvelope, returning the envelope's canonical bytes (what encodeEnvelope gives) from the
 * one dag-cbor encoding: dag-cbor sorts map keys by length first, so `signature`, the longest, is
 * the last entry, and the signed map is the envelope's map without it (one entry fewer in its head).
 */
export async function verifyEnvelopeCanonical (envelope: Envelope, options: VerifyOptions = {}): Promise<Uint8Array> {
  const canonical = encodeEnvelope(envelope)
  const fields = canonical.subarray(1, canonical.byteLength - SIGNATURE_ENTRY_BYTES)
  const signed = concat([SIGNING_PREFIX, UNSIGNED_MAP_HEAD, fields], SIGNING_PREFIX.byteLength + 1 + fields.byteLength)
  const key = options.senderKey?.(envelope.from) ?? senderKeyOf(envelope.from)
  await checkSignature(key, signed, envelope.signature, options)
  return canonical
}

/** The Ed25519 key of a sender peer id; throws ENVELOPE_INVALID or UNSUPPORTED_KEY. */
export function senderKeyOf (peerId: string): PublicKey {
  return ed25519KeyOfPeer(peerId, 'sender')
}

async function checkSignature (key: PublicKey, signed: Uint8Array, signature: Uint8Array, options: AbortOptions): Promise<void> {
  const valid = await key.verify(signed, signature, options)
  if (!valid) throw new BadRequestError('the envelope signature does not match its sender', 'SIGNATURE_INVALID')
}

/** Verify the envelope, check it is addressed to `recipientKey`, and decrypt it. */
export async function openMessage (recipientKey: PrivateKey, envelope: Envelope, options: AbortOptions = {}): Promise<OpenedMessage> {
  await verifyEnvelope(envelope, options)
  if (recipientKey.type !== 'Ed25519') throw new BadRequestError('only Ed25519 keys can open envelopes', 'UNSUPPORTED_KEY')
  if (peerIdFromPrivateKey(recipientKey).toString() !== envelope.to) {
    throw new BadRequestError('the envelope is addressed to another peer', 'RECIPIENT_MISMATCH')
  }
  const ephemeralPublic = envelope.body.subarray(0, EPHEMERAL_BYTES)
  const recipientSecret = ed25519.utils.toMontgomerySecret(recipientKey.raw.subarray(0, 32))
  const recipientX = x25519.getPublicKey(recipientSecret)
  try {
    const shared = x25519.getSharedSecret(recipientSecret, ephemeralPublic)
    const plaintext = envelopeCipher(shared, ephemeralPublic, recipientX, envelope).decrypt(envelope.body.subarray(EPHEMERAL_BYTES))
    return { from: envelope.from, to: envelope.to, sentAt: envelope.sentAt, plaintext }
  } catch {
    throw new BadRequestError('the envelope could not be decrypted', 'DECRYPTION_FAILED')
  }
}

export function encodeEnvelope (envelope: Envelope): Uint8Array {
  return encodeCbor(validateEnvelope(envelope))
}

/** Decode and shape-check envelope bytes (the signature is checked by verifyEnvelope). */
export function decodeEnvelope (bytes: Uint8Array): Envelope {
  return validateEnvelope(decodeCbor(bytes, 'ENVELOPE_INVALID', 'the envelope'))
}

export function envelopeToJSON (envelope: Envelope): EnvelopeJSON {
  const { nonce, body, signature, ...rest } = validateEnvelope(envelope)
  return { ...rest, nonce: toBase64(nonce), body: toBase64(body), signature: toBase64(signature) }
}

export function envelopeFromJSON (json: unknown): Envelope {
  if (json == null || typeof json !== 'object') throw invalid('the envelope must be an object')
  const value = json as Record<string, unknown>
  return validateEnvelope({
    ...value,
    nonce: fromBase64(value.nonce, 'ENVELOPE_INVALID', 'nonce'),
    body: fromBase64(value.body, 'ENVELOPE_INVALID', 'body'),
    signature: fromBase64(value.signature, 'ENVELOPE_INVALID', 'signature')
  })
}

/** Shape-check an untrusted value; returns a copy with only the envelope's fields. */
export function validateEnvelope (value: unknown): Envelope {
  if (value == null || typeof value !== 'object') throw invalid('the envelope must be a map')
  const { v, to, from, sentAt, nonce, body, signature } = value as Record<string, unknown>
  if (v !== 1) throw invalid('unsupported envelope version')
  if (!isPeerIdText(to) || !isPeerIdText(from)) throw invalid('to and from must be peer ids')
  if (typeof sentAt !== 'number' || !Number.isSafeInteger(sentAt) || sentAt < 0) throw invalid('sentAt must be a non-negative integer')
  if (!isBytes(nonce, NONCE_BYTES)) throw invalid(`nonce must be ${NONCE_BYTES} bytes`)
  if (!(body instanceof Uint8Array) || body.byteLength < EPHEMERAL_BYTES + TAG_BYTES) throw invalid('body is too short')
  if (!isBytes(signature, SIGNATURE_BYTES)) throw invalid(`signature must be ${SIGNATURE_BYTES} bytes`)
  return { v, to, from, sentAt, nonce, body, signature }
}

function envelopeCipher (shared: Uint8Array, ephemeralPublic: Uint8Array, recipientX: Uint8Array, header: Pick<Envelope, 'v' | 'to' | 'from' | 'sentAt' | 'nonce'>): ReturnType<typeof xchacha20poly1305> {
  const okm = hkdf(sha256, shared, concat([ephemeralPublic, recipientX]), KDF_INFO, 32 + 24)
  const aad = signingBytes(ENVELOPE_DOMAIN, { v: header.v, to: header.to, from: header.from, sentAt: header.sentAt, nonce: header.nonce })
  return xchacha20poly1305(okm.subarray(0, 32), okm.subarray(32), aad)
}

function recipientPublicKey (recipient: Recipient): PublicKey {
  if (typeof recipient === 'string') return ed25519KeyOfPeer(recipient, 'recipient')
  const key = 'publicKey' in recipient ? recipient.publicKey : recipient
  if (key?.type !== 'Ed25519') throw new BadRequestError('the recipient must have an Ed25519 key', 'UNSUPPORTED_KEY')
  return key
}

function ed25519KeyOfPeer (peerId: string, role: string): PublicKey {
  let key: PublicKey | undefined
  try {
    key = peerIdFromString(peerId).publicKey
  } catch {
    throw invalid(`the ${role} is not a valid peer id`)
  }
  if (key?.type !== 'Ed25519') throw new BadRequestError(`the ${role} must be an Ed25519 peer id`, 'UNSUPPORTED_KEY')
  return key
}

function isPeerIdText (value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_PEER_ID_LENGTH
}

function isBytes (value: unknown, length: number): value is Uint8Array {
  return value instanceof Uint8Array && value.byteLength === length
}

function invalid (message: string): BadRequestError {
  return new BadRequestError(message, 'ENVELOPE_INVALID')
}
