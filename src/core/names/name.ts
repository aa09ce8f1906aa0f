/**
 * IPNS names as the cafe reads them: a peer id (`12D3Koo…`, `Qm…`) or a CIDv1 with the
 * libp2p-key codec in any multibase (`k51…`, `bafz…`). One canonical spelling (CIDv1,
 * base36, as Kubo and Helia print names) keys the store, so every spelling finds the same
 * record. Only multiformats here: the Service Worker's gateway parses names too.
 */
import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { BadRequestError } from '../errors.ts'
import { parseCid } from '../util/cid.ts'
import type { PeerId } from '@libp2p/interface'

const LIBP2P_KEY = 0x72
const IDENTITY = 0x00
const SHA2_256 = 0x12
/** An inlined key (Ed25519, secp256k1) is well under this; larger keys (RSA) are hashed. */
const MAX_INLINE_KEY_BYTES = 42
/** Longer than any name of an inlined or hashed key. */
const MAX_NAME_LENGTH = 256

export interface IpnsName {
  /** CIDv1 base36 (`k51…`) */
  name: string
  /** the key's multihash: the public key itself (identity) or its SHA-256 */
  multihash: Uint8Array
  /** `/ipns/` + the key's multihash, what the record's signature is checked against */
  routingKey: Uint8Array
}

function invalid (value: unknown): BadRequestError {
  const shown = typeof value === 'string' ? value.slice(0, 80) : typeof value
  return new BadRequestError(`not an IPNS name (a peer id or a libp2p-key CID): ${shown}`, 'IPNS_NAME_INVALID')
}

/** @throws BadRequestError `IPNS_NAME_INVALID` for anything but a key's name (DNSLink names included) */
export function parseIpnsName (value: unknown): IpnsName {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME_LENGTH) throw invalid(value)
  let digest: Digest.Digest<number, number>
  try {
    if (value.startsWith('1') || value.startsWith('Q')) {
      digest = Digest.decode(base58btc.decode(`z${value}`))
    } else {
      const cid = parseCid(value)
      if (cid.version !== 1 || cid.code !== LIBP2P_KEY) throw invalid(value)
      digest = cid.multihash
    }
  } catch {
    throw invalid(value)
  }
  const key = digest.code === IDENTITY ? digest.digest.byteLength <= MAX_INLINE_KEY_BYTES : digest.code === SHA2_256 && digest.digest.byteLength === 32
  if (!key || digest.digest.byteLength === 0) throw invalid(value)
  const prefix = new TextEncoder().encode('/ipns/')
  const routingKey = new Uint8Array(prefix.byteLength + digest.bytes.byteLength)
  routingKey.set(prefix)
  routingKey.set(digest.bytes, prefix.byteLength)
  return { name: CID.createV1(LIBP2P_KEY, digest).toString(base36), multihash: digest.bytes, routingKey }
}

/** The canonical name of a peer id (an account's own name). */
export function nameOfPeer (peerId: PeerId): string {
  return peerId.toCID().toString(base36)
}
