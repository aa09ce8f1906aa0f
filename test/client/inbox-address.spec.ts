import { describe, it, expect } from 'vitest'
import { HttpTransport, Libp2pTransport, libp2pInboxAddresses, transportForInbox, type CafeTransport } from '../../src/client/index.ts'

const CAFE = '12D3KooWGzNdbYsxjfhLVQx59AFgDFprYWDVhBEXYLNbGsKZuEcq'
const OTHER = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
const RELAY = '12D3KooWRM8iFhHSZzBYmCUm8E9vr9rwQx3JNNtvfgNsXDTSqwNs'

describe('inbox addresses reached from a client connected to a cafe', () => {
  const connectedTransport: CafeTransport = { cafe: CAFE, request: async () => ({}), uploadCar: async () => ({}) }
  const connected = (cafe: string): CafeTransport | undefined => cafe === CAFE ? connectedTransport : undefined

  it('an inbox of the connected cafe goes through the connection, whatever site or relay the address names', () => {
    expect(transportForInbox(`/ip4/192.0.2.1/tcp/8080/http/p2p/${CAFE}`, { connected })).toBe(connectedTransport)
    expect(transportForInbox(`/ip4/127.0.0.1/tcp/4003/ws/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${CAFE}`, { connected })).toBe(connectedTransport)
  })

  it('an inbox of another cafe is reached over HTTP, or libp2p with a node, and refused without one', () => {
    expect(transportForInbox(`/ip4/192.0.2.1/tcp/8080/http/p2p/${OTHER}`, { connected })).toBeInstanceOf(HttpTransport)
    const circuit = `/ip4/127.0.0.1/tcp/4003/ws/p2p/${RELAY}/p2p-circuit/p2p/${OTHER}`
    expect(() => transportForInbox(circuit, { connected })).toThrow(expect.objectContaining({ code: 'LIBP2P_REQUIRED' }))
    const viaNode = transportForInbox(circuit, { connected, libp2p: { dialProtocol: async () => { throw new Error('not dialled here') } } })
    expect(viaNode).toBeInstanceOf(Libp2pTransport)
    expect(viaNode.cafe).toBe(OTHER)
  })

  it('a contact of a cafe reached by its address lists the address\'s multiaddrs, at most four', () => {
    const multiaddrs = Array.from({ length: 6 }, (_, i) => `/ip4/127.0.0.${i + 1}/tcp/4003/ws/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${CAFE}`)
    expect(libp2pInboxAddresses({ multiaddrs })).toEqual(multiaddrs.slice(0, 4))
  })
})
