import { TypedEventEmitter } from '@libp2p/interface'
import { describe, expect, it, vi } from 'vitest'
import { listenAddresses } from '../../../src/core/util/listen-addresses.ts'
import type { Libp2pEvents } from '@libp2p/interface'

function fakeNode (initial: string[]): { node: TypedEventEmitter<Libp2pEvents> & { getMultiaddrs(): string[] }, set(next: string[]): void, calls(): number } {
  let current = initial
  let calls = 0
  const node = Object.assign(new TypedEventEmitter<Libp2pEvents>(), {
    getMultiaddrs: () => { calls++; return current }
  })
  return { node, set: next => { current = next }, calls: () => calls }
}

describe('the cafe\'s advertised addresses', () => {
  it('are built once while they do not change', () => {
    const { node, calls } = fakeNode(['/ip4/127.0.0.1/tcp/1'])
    const addresses = listenAddresses(node)
    expect(addresses()).toEqual(['/ip4/127.0.0.1/tcp/1'])
    expect(addresses()).toEqual(['/ip4/127.0.0.1/tcp/1'])
    expect(calls()).toBe(1)
  })

  it('follow the node when it announces new ones', () => {
    const { node, set } = fakeNode(['/ip4/127.0.0.1/tcp/1'])
    const addresses = listenAddresses(node)
    addresses()
    set(['/ip4/127.0.0.1/tcp/1', '/ip4/127.0.0.1/tcp/2/p2p-circuit'])
    node.safeDispatchEvent('self:peer:update', { detail: {} as Libp2pEvents['self:peer:update']['detail'] })
    expect(addresses()).toEqual(['/ip4/127.0.0.1/tcp/1', '/ip4/127.0.0.1/tcp/2/p2p-circuit'])
  })

  it('are rebuilt after a while even without an announcement', () => {
    vi.useFakeTimers()
    try {
      const { node, set } = fakeNode(['/ip4/127.0.0.1/tcp/1'])
      const addresses = listenAddresses(node, 1_000)
      addresses()
      set(['/ip4/127.0.0.1/tcp/3'])
      vi.advanceTimersByTime(500)
      expect(addresses()).toEqual(['/ip4/127.0.0.1/tcp/1'])
      vi.advanceTimersByTime(600)
      expect(addresses()).toEqual(['/ip4/127.0.0.1/tcp/3'])
    } finally { vi.useRealTimers() }
  })

  it('hand out a copy the caller may change', () => {
    const { node } = fakeNode(['/ip4/127.0.0.1/tcp/1'])
    const addresses = listenAddresses(node)
    addresses().push('/ip4/10.0.0.1/tcp/1')
    expect(addresses()).toEqual(['/ip4/127.0.0.1/tcp/1'])
  })
})
