import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { addDirectory, addFile, get, gatewayOver, patternBytes } from './fixtures.ts'
import type { Gateway } from '../../../src/core/gateway/index.ts'
import type { CID } from 'multiformats/cid'

describe('gateway: request errors', () => {
  let gateway: Gateway
  let dirCid: CID
  let fileCid: CID

  beforeAll(async () => {
    const blockstore = new MemoryBlockstore()
    gateway = gatewayOver(blockstore)
    dirCid = await addDirectory(blockstore, [{ path: 'a.txt', content: 'a' }])
    fileCid = await addFile(blockstore, 'file')
  })

  it('a malformed CID is 400 with the cafe\'s JSON error', async () => {
    const res = await get(gateway, '/ipfs/bafy-not-a-cid/x')
    expect(res.status).toBe(400)
    expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8')
    expect(res.headers.get('Cache-Control')).toBe('no-store')
    const body = await res.json()
    expect(body.error.code).toBe('CID_INVALID')
    expect(body.error.message).toMatch(/^invalid CID/)
  })

  it('a path that does not exist inside the DAG is 404', async () => {
    expect((await get(gateway, `/ipfs/${dirCid}/missing.txt`)).status).toBe(404)
    expect((await get(gateway, `/ipfs/${dirCid}/a.txt/deeper`)).status).toBe(404)
    expect((await get(gateway, `/ipfs/${fileCid}/x`)).status).toBe(404)
  })

  it('anything outside /ipfs/ is 404', async () => {
    expect((await get(gateway, '/api/v0/cat')).status).toBe(404)
    expect((await get(gateway, '/ipfsx/abc')).status).toBe(404)
  })

  it('methods other than GET, HEAD and OPTIONS are 405 with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await get(gateway, `/ipfs/${fileCid}`, { method })
      expect(res.status, method).toBe(405)
      expect(res.headers.get('Allow')).toBe('GET, HEAD, OPTIONS')
    }
  })

  it('OPTIONS is a CORS preflight: 204 with the methods and headers a page may use', async () => {
    const res = await get(gateway, `/ipfs/${fileCid}`, { method: 'OPTIONS' })
    expect(res.status).toBe(204)
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*')
    expect(res.headers.get('Access-Control-Allow-Methods')).toBe('GET, HEAD, OPTIONS')
    expect(res.headers.get('Access-Control-Allow-Headers')).toContain('Range')
  })

  it('a request made to register a Service Worker script is 400', async () => {
    const res = await get(gateway, `/ipfs/${fileCid}`, { headers: { 'Service-Worker': 'script' } })
    expect(res.status).toBe(400)
  })

  it('an unknown format value is 400', async () => {
    expect((await get(gateway, `/ipfs/${fileCid}?format=tar`)).status).toBe(400)
  })

  it('Cache-Control: only-if-cached is 412 when the root block is not local', async () => {
    const other = await addFile(new MemoryBlockstore(), 'elsewhere')
    const res = await get(gateway, `/ipfs/${other}`, { headers: { 'Cache-Control': 'only-if-cached' } })
    expect(res.status).toBe(412)
    const here = await get(gateway, `/ipfs/${fileCid}`, { headers: { 'Cache-Control': 'only-if-cached' } })
    expect(here.status).toBe(200)
    await here.body?.cancel()
  })
})

describe('gateway: blocks that are not local', () => {
  let source: MemoryBlockstore
  let fileCid: CID
  const content = patternBytes(3000, 11)

  beforeAll(async () => {
    source = new MemoryBlockstore()
    fileCid = await addFile(source, content)
  })

  async function fromSource (cid: CID): Promise<Uint8Array> {
    const chunks: number[] = []
    for await (const c of source.get(cid)) chunks.push(...c)
    return new Uint8Array(chunks)
  }

  it('a fetchBlock that never answers gives 504 with Retry-After within the timeout', async () => {
    const gateway = gatewayOver(new MemoryBlockstore(), { fetchBlock: async () => new Promise<Uint8Array>(() => {}) }, { networkTimeoutMs: 200 })
    const started = Date.now()
    const res = await get(gateway, `/ipfs/${fileCid}`)
    expect(res.status).toBe(504)
    expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8')
    expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0)
    expect((await res.json()).error.message).toMatch(/timed out after 200 ms/)
    expect(Date.now() - started).toBeLessThan(1500)
  })

  it('a fetchBlock that returns the blocks gives 200 with the content', async () => {
    const asked: string[] = []
    const gateway = gatewayOver(new MemoryBlockstore(), {
      fetchBlock: async (cid) => { asked.push(cid.toString()); return fromSource(cid) }
    }, { networkTimeoutMs: 200 })
    const res = await get(gateway, `/ipfs/${fileCid}`)
    expect(res.status).toBe(200)
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(content)
    expect(asked[0]).toBe(fileCid.toString())
  })

  it('fetchBlock receives a signal that aborts at the timeout', async () => {
    let seen: AbortSignal | undefined
    const gateway = gatewayOver(new MemoryBlockstore(), {
      fetchBlock: async (_cid, { signal }) => {
        seen = signal
        return new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason)))
      }
    }, { networkTimeoutMs: 100 })
    expect((await get(gateway, `/ipfs/${fileCid}`)).status).toBe(504)
    expect(seen?.aborted).toBe(true)
  })

  it('bytes from the network that do not match the CID are 502', async () => {
    const gateway = gatewayOver(new MemoryBlockstore(), { fetchBlock: async () => new Uint8Array([1, 2, 3]) })
    expect((await get(gateway, `/ipfs/${fileCid}`)).status).toBe(502)
  })

  it('a leaf missing mid-file fails the body stream instead of hanging', async () => {
    const partial = new MemoryBlockstore()
    await partial.put(fileCid, await fromSource(fileCid))
    const first = dagPb.decode(await fromSource(fileCid)).Links[0].Hash
    await partial.put(first, await fromSource(first)) // the root and the first leaf only
    const gateway = gatewayOver(partial, { fetchBlock: async () => new Promise<Uint8Array>(() => {}) }, { networkTimeoutMs: 100 })
    const res = await get(gateway, `/ipfs/${fileCid}?filename=f.bin`)
    expect(res.status).toBe(200)
    await expect(res.arrayBuffer()).rejects.toThrow()
  })

  it('a first leaf that cannot be had is 504 before any byte, not a broken 200', async () => {
    const partial = new MemoryBlockstore()
    await partial.put(fileCid, await fromSource(fileCid)) // root only
    const gateway = gatewayOver(partial, { fetchBlock: async () => new Promise<Uint8Array>(() => {}) }, { networkTimeoutMs: 100 })
    expect((await get(gateway, `/ipfs/${fileCid}?filename=f.bin`)).status).toBe(504)
  })

  it('offline (no fetchBlock, a non-recursive gateway): a missing block is 404, for content and for raw or CAR', async () => {
    const gateway = gatewayOver(new MemoryBlockstore())
    const content = await get(gateway, `/ipfs/${fileCid}`)
    expect(content.status).toBe(404)
    expect((await content.json()).error.message).toMatch(/not stored here/)
    expect((await get(gateway, `/ipfs/${fileCid}?format=raw`)).status).toBe(404)
    expect((await get(gateway, `/ipfs/${fileCid}`, { method: 'HEAD', headers: { Accept: 'application/vnd.ipld.car' } })).status).toBe(404)
  })

  it('the caller aborting stops the wait for the network', async () => {
    const gateway = gatewayOver(new MemoryBlockstore(), { fetchBlock: async () => new Promise<Uint8Array>(() => {}) }, { networkTimeoutMs: 10_000 })
    const controller = new AbortController()
    setTimeout(() => { controller.abort() }, 50)
    const started = Date.now()
    const res = await gateway.fetch(new Request(`http://cafe.test/ipfs/${fileCid}`), { signal: controller.signal })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(res.status).toBe(499)
  })
})
