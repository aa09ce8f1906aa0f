import { MemoryBlockstore } from 'blockstore-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { addDirectory, get, gatewayOver, putCbor } from './fixtures.ts'
import type { Gateway } from '../../../src/core/gateway/index.ts'

const CSP = 'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads'

describe('gateway: security and caching headers', () => {
  let gateway: Gateway
  let paths: string[]

  beforeAll(async () => {
    const blockstore = new MemoryBlockstore()
    gateway = gatewayOver(blockstore)
    const site = await addDirectory(blockstore, [{ path: 'index.html', content: '<script>alert(1)</script>' }])
    const listed = await addDirectory(blockstore, [{ path: 'a.txt', content: 'a' }])
    const doc = await putCbor(blockstore, { a: 1 })
    paths = [
      `/ipfs/${site}/`, `/ipfs/${listed}/`, `/ipfs/${listed}/a.txt`, `/ipfs/${doc.cid}`,
      `/ipfs/${listed}/a.txt?format=raw`, `/ipfs/${listed}?format=car`
    ]
  })

  it('every content response is sandboxed by CSP without allow-same-origin', async () => {
    for (const path of paths) {
      const res = await get(gateway, path)
      expect(res.status, path).toBe(200)
      expect(res.headers.get('Content-Security-Policy'), path).toBe(CSP)
      expect(res.headers.get('Content-Security-Policy')).not.toContain('allow-same-origin')
      await res.body?.cancel()
    }
  })

  it('every content response is cacheable (immutable, a week for generated listings), nosniff, varies on Accept, with X-Ipfs-Path and an ETag', async () => {
    for (const path of paths) {
      const res = await get(gateway, path, { method: 'HEAD' })
      expect(res.headers.get('Cache-Control'), path).toBe(path === paths[1]
        ? 'public, max-age=604800, stale-while-revalidate=2678400'
        : 'public, max-age=29030400, immutable')
      expect(res.headers.get('Vary'), path).toBe('Accept')
      expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff')
      expect(res.headers.get('X-Ipfs-Path')).toBe(path.split('?')[0])
      expect(res.headers.get('ETag')).toMatch(/^"[^"]+"$/)
      expect(res.headers.get('Cross-Origin-Resource-Policy')).toBe('cross-origin')
    }
  })

  it('error responses are sandboxed too and never cached', async () => {
    const res = await get(gateway, '/ipfs/not-a-cid')
    expect(res.headers.get('Content-Security-Policy')).toBe(CSP)
    expect(res.headers.get('Cache-Control')).toBe('no-store')
  })
})
