/**
 * Issue 11 item 2: no response body of the gateway may reject unhandled when a client
 * cancels it or the request's signal aborts, at any point (a Node process dies of it).
 */
import { MemoryBlockstore } from 'blockstore-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encryptBytes, formatFileKey } from '../../../src/core/crypto/index.ts'
import { addDirectory, addFile, BASE, gatewayOver, patternBytes, putCbor } from './fixtures.ts'
import type { Gateway } from '../../../src/core/gateway/index.ts'

const ROUNDS = 25

/** A deterministic generator, so a failure can be replayed from its seed. */
function random (seed: number): () => number {
  let x = seed
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    return x / 2 ** 32
  }
}

describe('gateway: bodies cancelled or aborted at any point never reject unhandled', () => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }
  let gateway: Gateway
  const kinds: Array<{ name: string, path: string, init?: RequestInit }> = []

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled)
    const blockstore = new MemoryBlockstore()
    // a network that answers slowly, so some reads are in flight when the client goes
    gateway = gatewayOver(blockstore, {
      fetchBlock: async (_cid, { signal }) => new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
      })
    }, { networkTimeoutMs: 50 })
    const big = patternBytes(200 * 1024, 3)
    const file = await addFile(blockstore, big)
    const dir = await addDirectory(blockstore, [
      { path: 'a/big.bin', content: big },
      { path: 'a/copy.bin', content: big },
      { path: 'b.txt', content: 'b' }
    ])
    const doc = await putCbor(blockstore, { link: file, n: 1 })
    const sealed = await encryptBytes(patternBytes(300 * 1024, 9), { segmentSize: 1024 })
    const secret = await addFile(blockstore, sealed.ciphertext)
    const key = formatFileKey(sealed.key)
    kinds.push(
      { name: 'file', path: `/ipfs/${file}` },
      { name: 'file, HEAD', path: `/ipfs/${file}`, init: { method: 'HEAD' } },
      { name: 'range', path: `/ipfs/${file}`, init: { headers: { Range: 'bytes=1000-150000' } } },
      { name: 'multi-range', path: `/ipfs/${file}`, init: { headers: { Range: 'bytes=0-9,5000-90000,100000-' } } },
      { name: 'directory listing', path: `/ipfs/${dir}/a/` },
      { name: 'raw block', path: `/ipfs/${dir}/a/big.bin?format=raw` },
      { name: 'CAR', path: `/ipfs/${dir}?format=car` },
      { name: 'CAR with duplicates', path: `/ipfs/${dir}?format=car&car-dups=y` },
      { name: 'CAR of a path, HEAD', path: `/ipfs/${dir}/a/big.bin?format=car`, init: { method: 'HEAD' } },
      { name: 'CAR by Accept, HEAD', path: `/ipfs/${dir}/a/big.bin`, init: { method: 'HEAD', headers: { Accept: 'application/vnd.ipld.car' } } },
      { name: 'CAR entity-bytes', path: `/ipfs/${file}?format=car&entity-bytes=1000:150000` },
      { name: 'dag-cbor', path: `/ipfs/${doc.cid}` },
      { name: 'decrypt', path: `/ipfs/${secret}?key=${key}` },
      { name: 'decrypt range', path: `/ipfs/${secret}?key=${key}`, init: { headers: { Range: 'bytes=5000-200000' } } },
      { name: 'decrypt, HEAD', path: `/ipfs/${secret}?key=${key}`, init: { method: 'HEAD' } }
    )
  })

  afterAll(() => {
    process.off('unhandledRejection', onUnhandled)
  })

  it('for every kind of body, at random points, by cancel, by abort or both', async () => {
    const next = random(42)
    let responses = 0
    for (const kind of kinds) {
      for (let round = 0; round < ROUNDS; round++) {
        const controller = new AbortController()
        const request = new Request(`${BASE}${kind.path}`, { ...kind.init, signal: controller.signal })
        const how = Math.floor(next() * 4) // 0 cancel, 1 abort, 2 abort then cancel, 3 abort before the answer
        if (how === 3) setTimeout(() => { controller.abort() }, Math.floor(next() * 3))
        const response = await gateway.fetch(request)
        responses++
        const reads = Math.floor(next() * 6)
        const reader = response.body?.getReader()
        for (let i = 0; i < reads && reader != null; i++) {
          const { done } = await reader.read().catch(() => ({ done: true }))
          if (done === true) break
        }
        if (how === 1 || how === 2) controller.abort(new Error('the client disconnected'))
        if (how !== 1) await reader?.cancel().catch(() => {})
        // a body nobody reads or cancels any more must not reject unhandled either
        if (next() < 0.2) await new Promise(resolve => setTimeout(resolve, 1))
      }
    }
    // let any stray rejection surface
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(responses).toBe(kinds.length * ROUNDS)
    expect(unhandled.map(String)).toEqual([])
  })
})
