/**
 * Signed contacts: what an account publishes about itself to the directory. The account
 * key signs 'cafe-contact-v1' NUL dag-cbor(all fields but `signature`), so anyone who
 * finds a contact (through any cafe) can check it came from the peer it names.
 *
 * Runtime-agnostic: used by the client library and by the cafe.
 */
import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromPublicKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { BadRequestError } from '../errors.ts'
import { decodeCbor, encodeCbor, fromBase64, signingBytes, toBase64 } from '../util/canonical.ts'
import type { AbortOptions, PrivateKey, PublicKey } from '@libp2p/interface'

export const CONTACT_DOMAIN = 'cafe-contact-v1'

/** letters, digits, '_', '.', '-'; starts with a letter or digit */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/
export const MAX_DISPLAY_NAME_LENGTH = 64
export const MAX_INBOXES = 8
const MAX_MULTIADDR_LENGTH = 512
const MAX_KEY_BYTES = 1024
const MAX_PEER_ID_LENGTH = 128
const MAX_AVATAR_LENGTH = 128
const CONTROL_CHARACTERS = /\p{Cc}/u

export interface Contact {
  v: 1
  peerId: string
  /** the account's public key, libp2p protobuf encoding */
  publicKey: Uint8Array
  username: string
  displayName: string
  /** CID of an avatar image */
  avatar?: string
  /** multiaddrs of the cafes whose inbox takes messages for this account */
  inboxes: string[]
  /** version: a contact replaces one with a lower seq (a ms timestamp works) */
  seq: number
  signature: Uint8Array
}

/** What the account chooses; signContact adds the rest. */
export interface ContactFields {
  username: string
  displayName: string
  avatar?: string
  inboxes: string[]
  seq: number
}

export interface ContactJSON extends Omit<Contact, 'publicKey' | 'signature'> {
  publicKey: string
  signature: string
}

export async function signContact (privateKey: PrivateKey, fields: ContactFields, options: AbortOptions = {}): Promise<Contact> {
  const { signature: _, ...unsigned } = validateContact({
    ...fields,
    v: 1,
    peerId: peerIdFromPrivateKey(privateKey).toString(),
    publicKey: publicKeyToProtobuf(privateKey.publicKey),
    signature: new Uint8Array(0)
  }, 0)
  // copy: Node's signer returns a Buffer
  const signature = new Uint8Array(await privateKey.sign(signingBytes(CONTACT_DOMAIN, unsigned), options))
  return { ...unsigned, signature }
}

/** Check the key belongs to `peerId` and signed the contact; throws BadRequestError SIGNATURE_INVALID. */
export async function verifyContact (contact: Contact, options: AbortOptions = {}): Promise<void> {
  const { signature, ...unsigned } = validateContact(contact)
  let key: PublicKey
  try {
    key = publicKeyFromProtobuf(contact.publicKey)
  } catch {
    throw new BadRequestError('the contact\'s public key cannot be read', 'CONTACT_INVALID')
  }
  if (peerIdFromPublicKey(key).toString() !== contact.peerId) {
    throw new BadRequestError('the contact\'s public key is not its peer id\'s', 'SIGNATURE_INVALID')
  }
  if (!await key.verify(signingBytes(CONTACT_DOMAIN, unsigned), signature, options)) {
    throw new BadRequestError('the contact signature does not match its peer id', 'SIGNATURE_INVALID')
  }
}

export function encodeContact (contact: Contact): Uint8Array {
  return encodeCbor(validateContact(contact))
}

export function decodeContact (bytes: Uint8Array): Contact {
  return validateContact(decodeCbor(bytes, 'CONTACT_INVALID', 'the contact'))
}

export function contactToJSON (contact: Contact): ContactJSON {
  const { publicKey, signature, ...rest } = validateContact(contact)
  return { ...rest, publicKey: toBase64(publicKey), signature: toBase64(signature) }
}

export function contactFromJSON (json: unknown): Contact {
  if (json == null || typeof json !== 'object') throw invalid('the contact must be an object')
  const value = json as Record<string, unknown>
  return validateContact({
    ...value,
    publicKey: fromBase64(value.publicKey, 'CONTACT_INVALID', 'publicKey'),
    signature: fromBase64(value.signature, 'CONTACT_INVALID', 'signature')
  })
}

/**
 * Shape-check an untrusted value and return a copy with only the contact's fields.
 * Throws BadRequestError CONTACT_INVALID naming the first bad field.
 */
export function validateContact (value: unknown, minSignatureBytes = 1): Contact {
  if (value == null || typeof value !== 'object') throw invalid('the contact must be a map')
  const { v, peerId, publicKey, username, displayName, avatar, inboxes, seq, signature } = value as Record<string, unknown>
  if (v !== 1) throw invalid('unsupported contact version')
  if (typeof peerId !== 'string' || peerId.length === 0 || peerId.length > MAX_PEER_ID_LENGTH) throw invalid('peerId must be a peer id')
  if (!isBytes(publicKey, 1, MAX_KEY_BYTES)) throw invalid('publicKey must be bytes')
  if (typeof username !== 'string' || !USERNAME_PATTERN.test(username)) {
    throw invalid('username must be 1-32 letters, digits, "_", "." or "-", starting with a letter or digit')
  }
  if (typeof displayName !== 'string' || displayName.trim().length === 0 || displayName.length > MAX_DISPLAY_NAME_LENGTH || CONTROL_CHARACTERS.test(displayName)) {
    throw invalid(`displayName must be 1-${MAX_DISPLAY_NAME_LENGTH} printable characters`)
  }
  if (avatar != null && !isCid(avatar)) throw invalid('avatar must be a CID')
  if (!Array.isArray(inboxes) || inboxes.length > MAX_INBOXES || !inboxes.every(isMultiaddr)) {
    throw invalid(`inboxes must be up to ${MAX_INBOXES} multiaddrs`)
  }
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw invalid('seq must be a non-negative integer')
  if (!isBytes(signature, minSignatureBytes, MAX_KEY_BYTES)) throw invalid('signature must be bytes')
  return {
    v, peerId, publicKey, username, displayName, ...(avatar == null ? {} : { avatar: avatar as string }), inboxes: [...inboxes], seq, signature
  }
}

function isBytes (value: unknown, min: number, max: number): value is Uint8Array {
  return value instanceof Uint8Array && value.byteLength >= min && value.byteLength <= max
}

function isCid (value: unknown): boolean {
  if (typeof value !== 'string' || value.length > MAX_AVATAR_LENGTH) return false
  try {
    return CID.parse(value).toString() === value
  } catch {
    return false
  }
}

function isMultiaddr (value: unknown): value is string {
  if (typeof value !== 'string' || value.length > MAX_MULTIADDR_LENGTH) return false
  try {
    multiaddr(value)
    return true
  } catch {
    return false
  }
}

function invalid (message: string): BadRequestError {
  return new BadRequestError(message, 'CONTACT_INVALID')
}
