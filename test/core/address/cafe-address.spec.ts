import { describe, it, expect } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { base58btc } from 'multiformats/bases/base58'
import { base64url } from 'multiformats/bases/base64'
import {
  MAX_CAFE_ADDRESS_LENGTH, addressFromLink, cafeAddressLink, decodeCafeAddress, encodeCafeAddress
} from '../../../src/core/address/index.ts'
import type { PeerId } from '@libp2p/interface'

async function newPeerId (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

const cafe = await newPeerId()
const relay = await newPeerId()
const relayed = `/ip4/127.0.0.1/tcp/4003/ws/p2p/${relay}/p2p-circuit`
const direct = '/dns4/cafe.example/tcp/443/wss'

function wireText (value: unknown): string {
  return 'cafe:' + base58btc.encode(dagCbor.encode(value))
}

describe('cafe address', () => {
  it('round-trips the peer id and gives back dialable multiaddrs ending in the cafe id', () => {
    const text = encodeCafeAddress({ peerId: cafe, multiaddrs: [relayed, multiaddr(`${direct}/p2p/${cafe}`)] })
    expect(text).toMatch(/^cafe:z[1-9A-HJ-NP-Za-km-z]+$/)
    const decoded = decodeCafeAddress(text)
    expect(decoded.peerId.equals(cafe)).toBe(true)
    expect(decoded.multiaddrs.map(String)).toEqual([`${relayed}/p2p/${cafe}`, `${direct}/p2p/${cafe}`])
  })

  it('is short: a relay circuit and a direct address fit in under 250 characters', () => {
    const text = encodeCafeAddress({ peerId: cafe.toString(), multiaddrs: [relayed, direct] })
    expect(text.length).toBeLessThan(250)
  })

  it('the same address given twice (with and without /p2p/<cafe>) is kept once', () => {
    const text = encodeCafeAddress({ peerId: cafe, multiaddrs: [relayed, `${relayed}/p2p/${cafe}`] })
    expect(decodeCafeAddress(text).multiaddrs).toHaveLength(1)
  })

  it('reads the link form and tolerates surrounding whitespace', () => {
    const text = encodeCafeAddress({ peerId: cafe, multiaddrs: [relayed] })
    const link = cafeAddressLink(text, 'https://cafe.example:8443')
    expect(link).toBe(`https://cafe.example:8443/client.html#cafe=${text}`)
    expect(addressFromLink(link)).toBe(text)
    expect(decodeCafeAddress(`  ${link}\n`).peerId.equals(cafe)).toBe(true)
    expect(decodeCafeAddress(`\t${text} `).peerId.equals(cafe)).toBe(true)
  })

  it('accepts the base64url multibase too', () => {
    const text = 'cafe:' + base64url.encode(dagCbor.encode({ v: 1, id: cafe.toMultihash().bytes, addrs: [multiaddr(relayed).bytes] }))
    expect(decodeCafeAddress(text).multiaddrs.map(String)).toEqual([`${relayed}/p2p/${cafe}`])
  })
})

describe('a malformed cafe address is a 400 with a code saying why', () => {
  const good = encodeCafeAddress({ peerId: cafe, multiaddrs: [relayed] })

  it.each([
    ['no prefix', good.slice('cafe:'.length), 'CAFE_ADDRESS_PREFIX'],
    ['another scheme', 'ipfs:' + good.slice(5), 'CAFE_ADDRESS_PREFIX'],
    ['a link without the fragment', 'https://cafe.example/client.html', 'CAFE_ADDRESS_PREFIX'],
    ['not base58', 'cafe:z0OIl', 'CAFE_ADDRESS_ENCODING'],
    ['no multibase prefix', 'cafe:' + good.slice(6), 'CAFE_ADDRESS_ENCODING'],
    ['truncated', good.slice(0, -6), 'CAFE_ADDRESS_ENCODING'],
    ['empty', 'cafe:', 'CAFE_ADDRESS_ENCODING'],
    ['not a record', wireText([1, 2, 3]), 'CAFE_ADDRESS_ENCODING'],
    ['an unknown version', wireText({ v: 2, id: cafe.toMultihash().bytes, addrs: [multiaddr(relayed).bytes] }), 'CAFE_ADDRESS_VERSION'],
    ['no peer id', wireText({ v: 1, addrs: [multiaddr(relayed).bytes] }), 'CAFE_ADDRESS_INVALID'],
    ['a peer id that is not a multihash', wireText({ v: 1, id: new Uint8Array([1, 2, 3]), addrs: [multiaddr(relayed).bytes] }), 'CAFE_ADDRESS_INVALID'],
    ['no multiaddrs', wireText({ v: 1, id: cafe.toMultihash().bytes, addrs: [] }), 'CAFE_ADDRESS_NO_MULTIADDRS'],
    ['multiaddrs that are strings', wireText({ v: 1, id: cafe.toMultihash().bytes, addrs: [relayed] }), 'CAFE_ADDRESS_MULTIADDR'],
    ['multiaddr bytes that do not parse', wireText({ v: 1, id: cafe.toMultihash().bytes, addrs: [new Uint8Array([0xff, 0xff, 0xff])] }), 'CAFE_ADDRESS_MULTIADDR'],
    ['too many multiaddrs', wireText({ v: 1, id: cafe.toMultihash().bytes, addrs: Array.from({ length: 17 }, (_, i) => multiaddr(`/ip4/10.0.0.${i}/tcp/1/ws`).bytes) }), 'CAFE_ADDRESS_TOO_LONG'],
    ['too long', 'cafe:z' + '2'.repeat(MAX_CAFE_ADDRESS_LENGTH), 'CAFE_ADDRESS_TOO_LONG']
  ])('%s', (_, text, code) => {
    let err: any
    try { decodeCafeAddress(text) } catch (e) { err = e }
    expect(err).toMatchObject({ name: 'BadRequestError', status: 400, code })
  })

  it('a multiaddr naming another peer than the cafe is refused', async () => {
    const other = await newPeerId()
    const text = wireText({ v: 1, id: cafe.toMultihash().bytes, addrs: [multiaddr(`${relayed}/p2p/${other}`).bytes] })
    expect(() => decodeCafeAddress(text)).toThrow(expect.objectContaining({ code: 'CAFE_ADDRESS_PEER_MISMATCH', status: 400 }))
    expect(() => encodeCafeAddress({ peerId: cafe, multiaddrs: [`${relayed}/p2p/${other}`] }))
      .toThrow(expect.objectContaining({ code: 'CAFE_ADDRESS_PEER_MISMATCH' }))
  })

  it('a relay id inside a circuit address is not mistaken for the cafe id', () => {
    // the relay's /p2p/ comes before /p2p-circuit; only the last component names the cafe
    expect(decodeCafeAddress(good).multiaddrs[0].toString()).toContain(`/p2p/${relay}/p2p-circuit/p2p/${cafe}`)
  })

  it('encoding refuses no addresses, bad input and results over the length limit', () => {
    expect(() => encodeCafeAddress({ peerId: cafe, multiaddrs: [] })).toThrow(expect.objectContaining({ code: 'CAFE_ADDRESS_NO_MULTIADDRS' }))
    expect(() => encodeCafeAddress({ peerId: 'not-a-peer', multiaddrs: [relayed] })).toThrow(expect.objectContaining({ code: 'CAFE_ADDRESS_INVALID' }))
    expect(() => encodeCafeAddress({ peerId: cafe, multiaddrs: ['/nope/1'] })).toThrow(expect.objectContaining({ code: 'CAFE_ADDRESS_MULTIADDR' }))
    const many = Array.from({ length: 16 }, (_, i) => `/dns4/${'a'.repeat(60)}${i}.example/tcp/443/wss/p2p/${relay}/p2p-circuit`)
    expect(() => encodeCafeAddress({ peerId: cafe, multiaddrs: many })).toThrow(expect.objectContaining({ code: 'CAFE_ADDRESS_TOO_LONG' }))
  })
})
