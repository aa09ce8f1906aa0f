import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { callerOf, remoteAddressOf } from '../../../src/core/api/libp2p.ts'
import { createCallerLimiter } from '../../../src/core/util/rate-limiter.ts'

const RELAY = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
const PEER = '12D3KooWJWEKvSFbben74C2HxFxNH3j8DLhKudT1TBzPmQRRH3bS'

describe('the address a libp2p caller is counted by', () => {
  it('is the IP of a direct connection, whatever the transport and port', () => {
    expect(remoteAddressOf(multiaddr('/ip4/203.0.113.7/tcp/4001'))).toBe('ip:203.0.113.7')
    expect(remoteAddressOf(multiaddr('/ip4/203.0.113.7/tcp/5002/ws'))).toBe('ip:203.0.113.7')
    expect(remoteAddressOf(multiaddr(`/ip4/203.0.113.7/udp/9/quic-v1/p2p/${PEER}`))).toBe('ip:203.0.113.7')
  })

  it('is the /64 of an IPv6 address, since one host holds a whole /64', () => {
    expect(remoteAddressOf(multiaddr('/ip6/2001:db8:a:b:1:2:3:4/tcp/1'))).toBe('ip:2001:db8:a:b::/64')
    expect(remoteAddressOf(multiaddr('/ip6/2001:db8:a:b::99/tcp/1'))).toBe('ip:2001:db8:a:b::/64')
    expect(remoteAddressOf(multiaddr('/ip6/2001:db8::1/tcp/1'))).toBe('ip:2001:db8:0:0::/64')
    expect(remoteAddressOf(multiaddr('/ip6/::1/tcp/1'))).toBe('ip:0:0:0:0::/64')
  })

  it('is the relay for a relayed connection, not a fresh address per client', () => {
    expect(remoteAddressOf(multiaddr(`/ip4/198.51.100.1/tcp/443/wss/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`))).toBe(`relay:${RELAY}`)
    expect(remoteAddressOf(multiaddr(`/ip4/198.51.100.1/tcp/443/wss/p2p/${RELAY}/p2p-circuit`))).toBe(`relay:${RELAY}`)
  })

  it('is unknown when the address names no host (the answering side of WebRTC), so only the peer id counts', () => {
    expect(remoteAddressOf(multiaddr(`/webrtc/p2p/${PEER}`))).toBeUndefined()
    expect(callerOf({ remotePeer: peerIdFromString(PEER), remoteAddr: multiaddr(`/webrtc/p2p/${PEER}`) })).toEqual({ remote: PEER, address: undefined })
  })
})

describe('a caller limiter', () => {
  it('limits a rotating peer id by its address, and leaves other addresses alone', () => {
    let now = 0
    const limiter = createCallerLimiter({ capacity: 2, refillPerSecond: 1, addressShare: 3, clock: () => now })
    const taken: string[] = []
    for (let i = 0; i < 8; i++) {
      try {
        limiter.take({ remote: `peer-${Math.floor(i / 2)}`, address: 'ip:1.2.3.4' })
        taken.push('ok')
      } catch (err) {
        taken.push((err as Error).name)
      }
    }
    expect(taken).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'RateLimitedError', 'RateLimitedError'])
    expect(() => { limiter.take({ remote: 'peer-9', address: 'ip:5.6.7.8' }) }).not.toThrow()
    // a refused take spends nothing: the peer's own bucket is still full once the address refills
    now += 1000
    expect(() => { limiter.take({ remote: 'peer-3', address: 'ip:1.2.3.4' }) }).not.toThrow()
    expect(() => { limiter.take({ remote: 'peer-3', address: 'ip:1.2.3.4' }) }).not.toThrow()
  })

  it('counts penalties against both keys', () => {
    const limiter = createCallerLimiter({ capacity: 1, refillPerSecond: 0.001, addressShare: 2, clock: () => 0 })
    limiter.penalize({ remote: 'a', address: 'ip:1.1.1.1' })
    expect(() => { limiter.check({ remote: 'a' }) }).toThrow(/too many/)
    limiter.penalize({ remote: 'b', address: 'ip:1.1.1.1' })
    expect(() => { limiter.check({ remote: 'c', address: 'ip:1.1.1.1' }) }).toThrow(/too many/)
    expect(() => { limiter.check({ remote: 'c', address: 'ip:2.2.2.2' }) }).not.toThrow()
  })
})
