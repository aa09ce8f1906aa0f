import { describe, it, expect } from 'vitest'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { BlockProviderLink, serveBlocks, type BlockServerTarget } from '../../src/client/block-link.ts'
import { UnavailableError } from '../../src/core/errors.ts'
import type { AbortOptions } from '../../src/core/types.ts'

async function rawBlock (text: string): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = new TextEncoder().encode(text)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

/** A worker's link and a page serving it, joined as a Service Worker and its page are. */
function pair (fetchBlock: (cid: CID, options: AbortOptions) => Promise<Uint8Array>, init: { announceAtStart?: boolean } = {}) {
  let wanted: (() => void) | undefined
  let online = init.announceAtStart ?? true
  const link = new BlockProviderLink({ async broadcast () { if (online) wanted?.() } }, { pingTimeoutMs: 100, announceTimeoutMs: 200, blockTimeoutMs: 1_000 })
  const target: BlockServerTarget = {
    current: () => online ? { postMessage: (message: any) => { link.accept(message) } } : null,
    onAnnounceWanted (listener) { wanted = listener; return () => { wanted = undefined } }
  }
  const server = serveBlocks(fetchBlock, { cafe: '12D3KooWcafe', target })
  return { link, server, goOnline: () => { online = true } }
}

describe('the block link between a gateway Service Worker and a page connected to a cafe', () => {
  it('a block the page fetched reaches the worker, checked against its CID', async () => {
    const block = await rawBlock('hello')
    const { link, server } = pair(async () => block.bytes)
    try {
      expect(new TextDecoder().decode(await link.fetchBlock(block.cid))).toBe('hello')
      expect(link.cafe).toBe('12D3KooWcafe')
    } finally { server.close() }
  })

  it('bytes that do not match the CID are refused with BLOCK_INVALID', async () => {
    const block = await rawBlock('hello')
    const { link, server } = pair(async () => new TextEncoder().encode('forged'))
    try {
      await expect(link.fetchBlock(block.cid)).rejects.toMatchObject({ code: 'BLOCK_INVALID', status: 502 })
    } finally { server.close() }
  })

  it('a block the cafe does not send is a BLOCK_UNAVAILABLE within the time limit, and the page stops asking', async () => {
    const block = await rawBlock('nobody has it')
    let stopped = false
    const { link, server } = pair(async (_cid, { signal }) => new Promise((_resolve, reject) => {
      signal?.addEventListener('abort', () => { stopped = true; reject(signal.reason) })
    }))
    try {
      const started = Date.now()
      await expect(link.fetchBlock(block.cid, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'BLOCK_UNAVAILABLE', status: 504 })
      expect(Date.now() - started).toBeLessThan(900)
      expect(stopped).toBe(true)
    } finally { server.close() }
  })

  it('the page\'s own error keeps its code (the cafe went away)', async () => {
    const block = await rawBlock('x')
    const { link, server } = pair(async () => { throw new UnavailableError('the connection to the cafe closed', 'CAFE_UNREACHABLE') })
    try {
      await expect(link.fetchBlock(block.cid)).rejects.toMatchObject({ code: 'CAFE_UNREACHABLE', message: 'the connection to the cafe closed' })
    } finally { server.close() }
  })

  it('a page that closed: the worker says no page is connected, in well under a second', async () => {
    const block = await rawBlock('x')
    const { link, server } = pair(async () => block.bytes)
    expect(await link.available(0)).toBe(true)
    server.close()
    const started = Date.now()
    await expect(link.fetchBlock(block.cid)).rejects.toMatchObject({ code: 'CAFE_UNREACHABLE' })
    expect(Date.now() - started).toBeLessThan(800)
  })

  it('a page that connects later announces itself when the worker asks', async () => {
    const block = await rawBlock('late')
    const { link, server, goOnline } = pair(async () => block.bytes, { announceAtStart: false })
    try {
      expect(await link.available(0)).toBe(false)
      goOnline()
      expect(new TextDecoder().decode(await link.fetchBlock(block.cid))).toBe('late')
    } finally { server.close() }
  })

  it('a worker that gives up (its request aborted) cancels the page\'s fetch', async () => {
    const block = await rawBlock('slow')
    let cancelled = false
    const { link, server } = pair(async (_cid, { signal }) => new Promise((_resolve, reject) => {
      signal?.addEventListener('abort', () => { cancelled = true; reject(signal.reason) })
    }))
    try {
      const controller = new AbortController()
      const fetching = link.fetchBlock(block.cid, { signal: controller.signal })
      await new Promise(resolve => setTimeout(resolve, 50))
      controller.abort()
      await expect(fetching).rejects.toBeDefined()
      await expect.poll(() => cancelled).toBe(true)
    } finally { server.close() }
  })
})
