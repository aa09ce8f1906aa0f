/**
 * Path gateway, raw blocks on a content path: ipfs/gateway-conformance tests/path_gateway_raw_test.go (TestGatewayBlock).
 */
import { expect } from 'vitest'
import { bytes, describeConformance, expectImmutableCaching, fixture } from './harness.ts'
import type { ConformanceCase } from './harness.ts'

const RAW = 'gateway-raw-block.car'

const cases: ConformanceCase[] = [
  {
    name: 'GET with format=raw param returns a raw block',
    async run (target) {
      const f = await fixture(RAW)
      const res = await target.fetch(`/ipfs/${f.cid()}/dir?format=raw`)
      expect(res.status).toBe(200)
      expect(await bytes(res)).toEqual(f.raw('dir'))
    }
  },
  {
    name: 'GET with application/vnd.ipld.raw header returns a raw block',
    async run (target) {
      const f = await fixture(RAW)
      const res = await target.fetch(`/ipfs/${f.cid()}/dir`, { headers: { Accept: 'application/vnd.ipld.raw' } })
      expect(res.status).toBe(200)
      expect(await bytes(res)).toEqual(f.raw('dir'))
    }
  },
  {
    name: 'GET with application/vnd.ipld.raw with single range request includes correct bytes',
    async run (target) {
      const f = await fixture(RAW)
      const res = await target.fetch(`/ipfs/${f.cid()}/dir`, { headers: { Accept: 'application/vnd.ipld.raw', Range: 'bytes=6-16' } })
      expect(res.status).toBe(206)
      expect(res.headers.get('Content-Type')).toBe('application/vnd.ipld.raw')
      expect(res.headers.get('Content-Range')).toBe(`bytes 6-16/${f.raw('dir').byteLength}`)
      expect(f.raw('dir').byteLength).toBe(57)
      expect(await bytes(res)).toEqual(f.raw('dir').subarray(6, 17))
    }
  },
  {
    name: 'GET with application/vnd.ipld.raw header returns expected response headers',
    async run (target) {
      const f = await fixture(RAW)
      const res = await target.fetch(`/ipfs/${f.cid()}/dir/ascii.txt`, { headers: { Accept: 'application/vnd.ipld.raw' } })
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
      const res = await target.fetch(`/ipfs/${f.cid()}/dir/ascii.txt?filename=foobar.bin`, { headers: { Accept: 'application/vnd.ipld.raw' } })
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
      const res = await target.fetch(`/ipfs/${f.cid()}/dir/ascii.txt`, { headers: { Accept: 'application/vnd.ipld.raw' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('ETag')).toBeTruthy()
      expect(res.headers.get('X-Ipfs-Path')).toBe(`/ipfs/${f.cid()}/dir/ascii.txt`)
      expect(res.headers.get('X-Ipfs-Roots')).toContain(f.cid().toString())
      expectImmutableCaching(res.headers.get('Cache-Control'))
      await res.body?.cancel()
    }
  }
]

describeConformance('path gateway: raw blocks (path_gateway_raw_test.go)', cases)
