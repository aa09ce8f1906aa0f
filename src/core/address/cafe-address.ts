/**
 * A cafe address: the short string an owner shares so a client can dial the cafe.
 * `cafe:` + multibase (base58btc, `z…`) of dag-cbor `{ v: 1, id, addrs }`, where `id`
 * is the peer id's multihash and each `addrs` entry is a multiaddr's bytes without the
 * trailing `/p2p/<id>` (it is implied by `id`, and put back on decoding). The link form
 * is `<origin>/client.html#cafe=<address>`.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import { CODE_P2P, multiaddr } from '@multiformats/multiaddr'
import { base58btc } from 'multiformats/bases/base58'
import { base64url } from 'multiformats/bases/base64'
import * as Digest from 'multiformats/hashes/digest'
import { BadRequestError } from '../errors.ts'
import type { CafeErrorCode } from '../errors.ts'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export const CAFE_ADDRESS_PREFIX = 'cafe:'
/** characters; keeps the address fit for a URL fragment and a QR code */
export const MAX_CAFE_ADDRESS_LENGTH = 2048
export const MAX_CAFE_ADDRESS_MULTIADDRS = 16
/** the fragment parameter of the link form */
export const CAFE_LINK_PARAM = 'cafe'

export interface CafeAddress {
  peerId: PeerId
  /** each ends with `/p2p/<peerId>`, ready to dial */
  multiaddrs: Multiaddr[]
}

export interface CafeAddressInput {
  peerId: PeerId | string
  multiaddrs: Array<Multiaddr | string>
}

interface Wire {
  v: 1
  id: Uint8Array
  addrs: Uint8Array[]
}

const decoder = base58btc.decoder.or(base64url.decoder)

function invalid (message: string, code: CafeErrorCode = 'CAFE_ADDRESS_INVALID'): BadRequestError {
  return new BadRequestError(message, code)
}

/** The address without its trailing `/p2p/<id>`; throws if that id is another peer's. */
function withoutOwnId (address: Multiaddr, id: PeerId): Multiaddr {
  const components = address.getComponents()
  const last = components[components.length - 1]
  if (last?.code !== CODE_P2P) return address
  if (last.value !== id.toString()) {
    throw invalid(`${address.toString()} names peer ${String(last.value)}, not the cafe ${id.toString()}`, 'CAFE_ADDRESS_PEER_MISMATCH')
  }
  return multiaddr(components.slice(0, -1))
}

function toPeerId (peerId: PeerId | string): PeerId {
  if (typeof peerId !== 'string') return peerId
  try {
    return peerIdFromString(peerId)
  } catch {
    throw invalid(`${peerId} is not a peer id`)
  }
}

function toMultiaddr (address: Multiaddr | string | Uint8Array): Multiaddr {
  try {
    const ma = typeof address === 'string' || address instanceof Uint8Array ? multiaddr(address) : address
    ma.toString() // parses every component
    return ma
  } catch {
    throw invalid(`${typeof address === 'string' ? address : 'an address'} is not a multiaddr`, 'CAFE_ADDRESS_MULTIADDR')
  }
}

export function encodeCafeAddress (input: CafeAddressInput): string {
  const id = toPeerId(input.peerId)
  const seen = new Set<string>()
  const addrs: Uint8Array[] = []
  for (const address of input.multiaddrs) {
    const bare = withoutOwnId(toMultiaddr(address), id)
    const key = bare.toString()
    if (key === '' || seen.has(key)) continue
    seen.add(key)
    addrs.push(bare.bytes)
  }
  if (addrs.length === 0) throw invalid('a cafe address needs at least one multiaddr', 'CAFE_ADDRESS_NO_MULTIADDRS')
  if (addrs.length > MAX_CAFE_ADDRESS_MULTIADDRS) throw invalid(`a cafe address holds at most ${MAX_CAFE_ADDRESS_MULTIADDRS} multiaddrs`, 'CAFE_ADDRESS_TOO_LONG')
  const wire: Wire = { v: 1, id: id.toMultihash().bytes, addrs }
  const text = CAFE_ADDRESS_PREFIX + base58btc.encode(dagCbor.encode(wire))
  if (text.length > MAX_CAFE_ADDRESS_LENGTH) throw invalid(`the cafe address would be ${text.length} characters, over ${MAX_CAFE_ADDRESS_LENGTH}`, 'CAFE_ADDRESS_TOO_LONG')
  return text
}

/** Reads a cafe address, or a link carrying one in its fragment (`#cafe=<address>`). */
export function decodeCafeAddress (text: string): CafeAddress {
  if (typeof text !== 'string') throw invalid('a cafe address is a string')
  text = text.trim()
  if (text.length > MAX_CAFE_ADDRESS_LENGTH * 2) throw invalid('the cafe address is too long', 'CAFE_ADDRESS_TOO_LONG')
  if (/^https?:\/\//i.test(text)) text = addressFromLink(text)
  if (!text.startsWith(CAFE_ADDRESS_PREFIX)) throw invalid(`a cafe address starts with "${CAFE_ADDRESS_PREFIX}"`, 'CAFE_ADDRESS_PREFIX')
  if (text.length > MAX_CAFE_ADDRESS_LENGTH) throw invalid(`the cafe address is over ${MAX_CAFE_ADDRESS_LENGTH} characters`, 'CAFE_ADDRESS_TOO_LONG')

  let wire: Partial<Wire> | undefined
  try {
    wire = dagCbor.decode(decoder.decode(text.slice(CAFE_ADDRESS_PREFIX.length)))
  } catch {
    throw invalid('the cafe address is not valid base58btc dag-cbor', 'CAFE_ADDRESS_ENCODING')
  }
  if (wire == null || typeof wire !== 'object' || Array.isArray(wire)) throw invalid('the cafe address does not hold a record', 'CAFE_ADDRESS_ENCODING')
  if (wire.v !== 1) throw invalid(`unknown cafe address version ${String(wire.v)}`, 'CAFE_ADDRESS_VERSION')
  if (!(wire.id instanceof Uint8Array)) throw invalid('the cafe address has no peer id')

  let peerId: PeerId
  try {
    peerId = peerIdFromMultihash(Digest.decode(wire.id))
  } catch {
    throw invalid('the cafe address holds an invalid peer id')
  }
  if (!Array.isArray(wire.addrs) || wire.addrs.length === 0) throw invalid('the cafe address has no multiaddrs', 'CAFE_ADDRESS_NO_MULTIADDRS')
  if (wire.addrs.length > MAX_CAFE_ADDRESS_MULTIADDRS) throw invalid(`a cafe address holds at most ${MAX_CAFE_ADDRESS_MULTIADDRS} multiaddrs`, 'CAFE_ADDRESS_TOO_LONG')
  const multiaddrs = wire.addrs.map(bytes => {
    if (!(bytes instanceof Uint8Array)) throw invalid('a multiaddr in the cafe address is not bytes', 'CAFE_ADDRESS_MULTIADDR')
    return withoutOwnId(toMultiaddr(bytes), peerId).encapsulate(`/p2p/${peerId.toString()}`)
  })
  return { peerId, multiaddrs }
}

/** `<origin>/client.html#cafe=<address>` */
export function cafeAddressLink (address: string, origin: string): string {
  const base = new URL('/client.html', origin)
  base.hash = `${CAFE_LINK_PARAM}=${address}`
  return base.toString()
}

/** The cafe address in a link's fragment; throws BadRequestError when there is none. */
export function addressFromLink (link: string): string {
  let hash: string
  try {
    hash = new URL(link).hash
  } catch {
    throw invalid('the cafe link is not a URL', 'CAFE_ADDRESS_PREFIX')
  }
  const value = new URLSearchParams(hash.replace(/^#/, '')).get(CAFE_LINK_PARAM)
  if (value == null || value === '') throw invalid(`the link has no #${CAFE_LINK_PARAM}= fragment`, 'CAFE_ADDRESS_PREFIX')
  return value
}
