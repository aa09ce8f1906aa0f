/**
 * Path gateway, CORS: ipfs/gateway-conformance tests/path_gateway_cors_test.go (TestCors).
 */
import { expect } from 'vitest'
import { describeConformance } from './harness.ts'
import type { ConformanceCase } from './harness.ts'

const HELLO = 'bafkqabtimvwgy3yk' // identity CID of "hello"

function expectCors (headers: Headers): void {
  const list = (name: string): string[] => (headers.get(name) ?? '').split(',').map(s => s.trim())
  expect(headers.get('Access-Control-Allow-Origin')).toBe('*')
  expect(list('Access-Control-Allow-Methods')).toEqual(expect.arrayContaining(['GET', 'HEAD', 'OPTIONS']))
  expect(list('Access-Control-Allow-Headers')).toEqual(expect.arrayContaining(['Content-Type', 'Range', 'User-Agent', 'X-Requested-With']))
  expect(list('Access-Control-Expose-Headers')).toEqual(expect.arrayContaining(['Content-Range', 'Content-Length', 'X-Ipfs-Path', 'X-Ipfs-Roots', 'X-Chunked-Output', 'X-Stream-Output']))
}

const cases: ConformanceCase[] = [
  {
    name: 'GET Responses from Gateway should include CORS headers allowing JS from other origins to read the data cross-origin.',
    async run (target) {
      const res = await target.fetch(`/ipfs/${HELLO}/`)
      expectCors(res.headers)
      expect(await res.text()).toBe('hello\n')
    }
  },
  {
    name: 'OPTIONS to Gateway succeeds',
    async run (target) {
      const res = await target.fetch(`/ipfs/${HELLO}/`, { method: 'OPTIONS' })
      expect(res.status).toBeLessThan(300)
      expectCors(res.headers)
    }
  }
]

describeConformance('path gateway: CORS (path_gateway_cors_test.go)', cases)
