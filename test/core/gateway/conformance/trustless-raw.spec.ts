/**
 * Trustless gateway, block responses: ipfs/gateway-conformance tests/trustless_gateway_raw_test.go
 * (TestTrustlessRaw, TestTrustlessRawRanges), and the spec's probe path (trustless-gateway.md,
 * "Dedicated Probe Paths", which the Go suite does not test).
 */
import { CarBlockIterator } from '@ipld/car'
import { expect } from 'vitest'
import { bytes, describeConformance, expectImmutableCaching, fixture, rangeCases } from './harness.ts'
import type { ConformanceCase } from './harness.ts'

const RAW = 'gateway-raw-block.car'

const cases: ConformanceCase[] = [
  {
    name: 'GET with format=raw param returns a raw block',
    async run (target) {
      const f = await fixture(RAW)
      const res = await target.fetch(`/ipfs/${f.cid('dir')}?format=raw`)
      expect(res.status).toBe(200)
      expect(await bytes(res)).toEqual(f.raw('dir'))
    }
  },
  {
    name: 'GET with application/vnd.ipld.raw header returns a raw block',
    async run (target) {
      const f = await fixture(RAW)
      const res = await target.fetch(`/ipfs/${f.cid('dir')}`, { headers: { Accept: 'application/vnd.ipld.raw' } })
      expect(res.status).toBe(200)
      expect(await bytes(res)).toEqual(f.raw('dir'))
    }
  },
  {
    name: 'GET with application/vnd.ipld.raw header returns expected response headers',
    async run (target) {
      const f = await fixture(RAW)
      const res = await target.fetch(`/ipfs/${f.cid('dir', 'ascii.txt')}`, { headers: { Accept: 'application/vnd.ipld.raw' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('Content-Type')).toBe('application/vnd.ipld.raw')
      expect(res.headers.get('Content-Length')).toBe(String(f.raw('dir', 'ascii.txt').byteLength))
      expect(res.headers.get('Content-Disposition')).toContain('attachment;')
      expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff')
      expect(await bytes(res)).toEqual(f.raw('dir', 'ascii.txt'))
    }
  },
  {
    name: 'GET with application/vnd.ipld.raw header and filename param returns expected Content-Disposition header with custom filename',
    async run (target) {
      const f = await fixture(RAW)
      const res = await target.fetch(`/ipfs/${f.cid('dir', 'ascii.txt')}?filename=foobar.bin`, { headers: { Accept: 'application/vnd.ipld.raw' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('Content-Disposition')).toContain('attachment;')
      expect(res.headers.get('Content-Disposition')).toContain('filename="foobar.bin')
      await res.body?.cancel()
    }
  },
  {
    name: 'GET with application/vnd.ipld.raw header returns expected caching headers',
    async run (target) {
      const f = await fixture(RAW)
      const cid = f.cid('dir', 'ascii.txt')
      const res = await target.fetch(`/ipfs/${cid}`, { headers: { Accept: 'application/vnd.ipld.raw' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('ETag')).toBeTruthy()
      expect(res.headers.get('X-Ipfs-Path')).toBe(`/ipfs/${cid}`)
      expect(res.headers.get('X-Ipfs-Roots')).toContain(cid.toString())
      expectImmutableCaching(res.headers.get('Cache-Control'))
      await res.body?.cancel()
    }
  },
  ...rangeCases('GET with application/vnd.ipld.raw with range request includes correct bytes', async () => {
    const f = await fixture(RAW)
    return { path: `/ipfs/${f.cid('dir', 'ascii.txt')}`, init: { headers: { Accept: 'application/vnd.ipld.raw' } }, data: f.raw('dir', 'ascii.txt'), contentType: 'application/vnd.ipld.raw' }
  }),
  // trustless-gateway.md, Dedicated Probe Paths
  {
    name: 'GET /ipfs/bafkqaaa?format=raw (probe) is 200 with an empty body; HEAD too',
    async run (target) {
      const res = await target.fetch('/ipfs/bafkqaaa?format=raw')
      expect(res.status).toBe(200)
      expect((await bytes(res)).byteLength).toBe(0)
      expect((await target.fetch('/ipfs/bafkqaaa', { method: 'HEAD', headers: { Accept: 'application/vnd.ipld.raw' } })).status).toBe(200)
    }
  },
  {
    name: 'GET /ipfs/bafkqaaa?format=car (probe) is 200 with a CAR whose root is bafkqaaa',
    async run (target) {
      const res = await target.fetch('/ipfs/bafkqaaa?format=car')
      expect(res.status).toBe(200)
      const car = await CarBlockIterator.fromBytes(await bytes(res))
      expect((await car.getRoots()).map(String)).toEqual(['bafkqaaa'])
    }
  },
  // trustless-gateway.md, 404 Not Found: a root block the gateway does not hold
  {
    name: 'GET and HEAD of a raw block or CAR whose root is not stored here are 404 (no network search)',
    async run (target) {
      const missing = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
      expect((await target.fetch(`/ipfs/${missing}?format=raw`)).status).toBe(404)
      expect((await target.fetch(`/ipfs/${missing}?format=car`)).status).toBe(404)
      expect((await target.fetch(`/ipfs/${missing}`, { method: 'HEAD', headers: { Accept: 'application/vnd.ipld.car' } })).status).toBe(404)
      expect((await target.fetch(`/ipfs/${missing}`, { method: 'HEAD', headers: { Accept: 'application/vnd.ipld.raw' } })).status).toBe(404)
    }
  },
  // path-gateway.md, Content-Location: the format negotiated from Accept, as a URL
  {
    name: 'a raw block negotiated with Accept names its format URL in Content-Location; Vary: Accept',
    async run (target) {
      const f = await fixture(RAW)
      const cid = f.cid('dir', 'ascii.txt')
      const res = await target.fetch(`/ipfs/${cid}`, { headers: { Accept: 'application/vnd.ipld.raw' } })
      expect(res.headers.get('Content-Location')).toBe(`/ipfs/${cid}?format=raw`)
      expect(res.headers.get('Vary')).toBe('Accept')
      await res.body?.cancel()
    }
  }
]

describeConformance('trustless gateway: block responses (trustless_gateway_raw_test.go)', cases)
