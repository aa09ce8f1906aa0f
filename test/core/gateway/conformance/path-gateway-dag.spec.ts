/**
 * Path gateway, IPLD data (dag-json, dag-cbor, json, cbor): ipfs/gateway-conformance
 * tests/path_gateway_dag_test.go (TestGatewayJsonCbor, TestCodecMismatchReturns406,
 * TestPlainCodec, TestPathing, TestNativeDag). TestGatewayJSONCborAndIPNS does not apply
 * (/ipns/).
 *
 * Four TestNativeDag cases still expect a dag-json block to be served as plain
 * `application/json` (and dag-cbor as `application/cbor`). IPIP-0524 (ratified, and the
 * path gateway spec's Accept section) makes `json` match only the json codec and
 * `cbor` only the cbor codec: "SHOULD produce 406 Not Acceptable in all other cases".
 * Those cases are carried with the spec's answer, 406, and marked [IPIP-0524].
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { expect } from 'vitest'
import { bytes, describeConformance, fixture, rangeCases, text } from './harness.ts'
import type { ConformanceCase, Target } from './harness.ts'

const JSON_CBOR = 'path_gateway_dag/gateway-json-cbor.car'
const WEEK = 'public, max-age=604800, stale-while-revalidate=2678400'

async function status (target: Target, path: string, init?: RequestInit): Promise<number> {
  const res = await target.fetch(path, init)
  await res.body?.cancel()
  return res.status
}

const cases: ConformanceCase[] = [
  // TestGatewayJsonCbor
  {
    name: 'GET UnixFS file with JSON bytes is returned with application/json Content-Type - without headers',
    async run (target) {
      const f = await fixture(JSON_CBOR)
      const file = f.cid('ą', 'ę', 't.json')
      const res = await target.fetch(`/ipfs/${file}`)
      expect(res.status).toBe(200)
      expect(res.headers.get('Content-Type')).toBe('application/json')
      expect(await bytes(res)).toEqual(f.raw('ą', 'ę', 't.json'))
    }
  },
  {
    name: 'GET UnixFS file with JSON bytes is returned with application/json Content-Type - with headers',
    async run (target) {
      const f = await fixture(JSON_CBOR)
      const res = await target.fetch(`/ipfs/${f.cid('ą', 'ę', 't.json')}`, { headers: { Accept: 'application/json' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('Content-Type')).toBe('application/json')
      expect(await bytes(res)).toEqual(f.raw('ą', 'ę', 't.json'))
    }
  },
  {
    name: 'GET raw block with JSON bytes prefers format over Accept header',
    async run (target) {
      const f = await fixture(JSON_CBOR)
      const res = await target.fetch(`/ipfs/${f.cid('ą', 'ę', 't.json')}?format=json`, { headers: { Accept: 'application/vnd.ipld.raw' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('Content-Type')).toBe('application/json')
      expect(await bytes(res)).toEqual(f.raw('ą', 'ę', 't.json'))
    }
  },

  // TestCodecMismatchReturns406
  ...([
    ['GET UnixFS (dag-pb) file with format=dag-json returns 406 Not Acceptable', 'unixfs', '?format=dag-json', undefined],
    ['GET UnixFS (dag-pb) file with format=dag-cbor returns 406 Not Acceptable', 'unixfs', '?format=dag-cbor', undefined],
    ['GET UnixFS (dag-pb) file with Accept: application/vnd.ipld.dag-json returns 406 Not Acceptable', 'unixfs', '', 'application/vnd.ipld.dag-json'],
    ['GET DAG-JSON block with format=dag-cbor returns 406 Not Acceptable', 'dag-json', '?format=dag-cbor', undefined],
    ['GET DAG-CBOR block with format=dag-json returns 406 Not Acceptable', 'dag-cbor', '?format=dag-json', undefined],
    ['GET DAG-CBOR block with Accept: application/vnd.ipld.dag-json returns 406 Not Acceptable', 'dag-cbor', '', 'application/vnd.ipld.dag-json']
  ] as const).map(([name, kind, query, accept]): ConformanceCase => ({
    name,
    async run (target) {
      const cid = kind === 'unixfs'
        ? (await fixture(JSON_CBOR)).cid('ą', 'ę', 'file-źł.txt')
        : (await fixture(`path_gateway_dag/${kind}-traversal.car`)).root
      expect(await status(target, `/ipfs/${cid}${query}`, accept == null ? {} : { headers: { Accept: accept } })).toBe(406)
    }
  })),

  // TestPlainCodec
  ...(['json', 'cbor'] as const).flatMap(format => {
    const disposition = format === 'json' ? 'inline' : 'attachment'
    const name = `plain ${format.toUpperCase()} codec`
    const plain = async (): Promise<{ cid: string, data: Uint8Array }> => {
      const f = await fixture(`path_gateway_dag/plain-${format}.car`)
      return { cid: f.root.toString(), data: f.raw() }
    }
    const variants: Array<[string, (cid: string) => { path: string, init?: RequestInit }]> = [
      [`GET ${name} without Accept or format= has expected "${format}" Content-Type and body as-is`, cid => ({ path: `/ipfs/${cid}` })],
      [`GET ${name} with ?format= has expected ${format} Content-Type and body as-is`, cid => ({ path: `/ipfs/${cid}?format=${format}` })],
      [`GET ${name} with Accept has expected ${format} Content-Type and body as-is, with single range request`, cid => ({ path: `/ipfs/${cid}`, init: { headers: { Accept: `application/${format}` } } })]
    ]
    return variants.flatMap(([caseName, request]): ConformanceCase[] => [
      {
        name: caseName,
        async run (target) {
          const { cid, data } = await plain()
          const { path, init } = request(cid)
          const res = await target.fetch(path, init)
          expect(res.status).toBe(200)
          expect(res.headers.get('Content-Type')).toBe(`application/${format}`)
          expect(res.headers.get('Content-Disposition')).toContain(`${disposition}; filename="${cid}.${format}"`)
          expect(await bytes(res)).toEqual(data)
        }
      },
      ...rangeCases(caseName, async () => {
        const { cid, data } = await plain()
        return { ...request(cid), data, contentType: `application/${format}` }
      })
    ])
  }),

  // TestPathing
  ...(['json', 'cbor'] as const).flatMap((format): ConformanceCase[] => {
    const upper = `DAG-${format.toUpperCase()}`
    const root = async (): Promise<string> => (await fixture(`path_gateway_dag/dag-${format}-traversal.car`)).root.toString()
    return [
      {
        name: `GET ${upper} traversal returns 501 if there is path remainder`,
        async run (target) {
          expect(await status(target, `/ipfs/${await root()}/foo?format=dag-${format}`)).toBe(501)
        }
      },
      {
        name: `GET ${upper} traverses multiple links`,
        async run (target) {
          const res = await target.fetch(`/ipfs/${await root()}/foo/link/bar?format=dag-${format}`)
          expect(res.status).toBe(200)
          const body = await bytes(res)
          if (format === 'json') expect(dagJson.decode(body)).toEqual({ hello: 'this is not a link' })
          else expect(body).toEqual(Uint8Array.from([0xa1, 0x65, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x72, 0x74, 0x68, 0x69, 0x73, 0x20, 0x69, 0x73, 0x20, 0x6e, 0x6f, 0x74, 0x20, 0x61, 0x20, 0x6c, 0x69, 0x6e, 0x6b]))
        }
      },
      {
        name: `GET ${upper} returns 404 on non-existing link`,
        async run (target) {
          expect(await status(target, `/ipfs/${await root()}/foo/i-do-not-exist`)).toBe(404)
        }
      }
    ]
  }),

  // TestNativeDag
  ...(['json', 'cbor'] as const).flatMap((format): ConformanceCase[] => {
    const name = `plain ${format.toUpperCase()} codec`
    const dag = `dag-${format}`
    const disposition = format === 'json' ? 'inline' : 'attachment'
    const traversal = async (): Promise<{ cid: string, data: Uint8Array }> => {
      const f = await fixture(`path_gateway_dag/${dag}-traversal.car`)
      return { cid: f.root.toString(), data: f.raw() }
    }
    const same = async (res: Response, data: Uint8Array): Promise<void> => {
      expect(res.status).toBe(200)
      const body = await bytes(res)
      if (format === 'json') expect(dagJson.decode(body)).toEqual(dagJson.decode(data))
      else expect(dagCbor.decode(body)).toEqual(dagCbor.decode(data))
    }
    return [
      {
        name: `GET ${name} from /ipfs without explicit format returns the same payload as the raw block`,
        async run (target) {
          const { cid, data } = await traversal()
          await same(await target.fetch(`/ipfs/${cid}`), data)
        }
      },
      {
        name: `GET ${name} from /ipfs with format=${dag} returns the same payload as the raw block`,
        async run (target) {
          const { cid, data } = await traversal()
          await same(await target.fetch(`/ipfs/${cid}?format=${dag}`), data)
        }
      },
      {
        name: `GET ${name} from /ipfs with application/vnd.ipld.${dag} returns the same payload as the raw block`,
        async run (target) {
          const { cid, data } = await traversal()
          await same(await target.fetch(`/ipfs/${cid}`, { headers: { Accept: `application/vnd.ipld.${dag}` } }), data)
        }
      },
      {
        name: `[IPIP-0524] GET ${name} with format=${format} is 406 (the suite expects 200 with a plain Content-Type)`,
        async run (target) {
          const { cid } = await traversal()
          expect(await status(target, `/ipfs/${cid}?format=${format}`)).toBe(406)
        }
      },
      {
        name: `[IPIP-0524] GET ${name} with Accept: application/${format} is 406 (the suite expects 200 with a plain Content-Type)`,
        async run (target) {
          const { cid } = await traversal()
          expect(await status(target, `/ipfs/${cid}`, { headers: { Accept: `application/${format}` } })).toBe(406)
        }
      },
      {
        name: `GET response for application/vnd.ipld.${dag} has expected Content-Type`,
        async run (target) {
          const { cid, data } = await traversal()
          const res = await target.fetch(`/ipfs/${cid}`, { headers: { Accept: `application/vnd.ipld.${dag}` } })
          expect(res.headers.get('Content-Type')).toBe(`application/vnd.ipld.${dag}`)
          expect(res.headers.get('Content-Length')).toBe(String(data.byteLength))
          expect(res.headers.get('Content-Disposition')).toContain(`${disposition}; filename="${cid}.${format}"`)
          await res.body?.cancel()
        }
      },
      {
        name: `GET for application/vnd.ipld.${dag} with query filename includes Content-Disposition with custom filename`,
        async run (target) {
          const { cid } = await traversal()
          const res = await target.fetch(`/ipfs/${cid}?filename=foobar.${format}`, { headers: { Accept: `application/vnd.ipld.${dag}` } })
          expect(res.headers.get('Content-Disposition')).toContain(`${disposition}; filename="foobar.${format}"`)
          await res.body?.cancel()
        }
      },
      {
        name: `GET for application/vnd.ipld.${dag} with ?download=true forces Content-Disposition: attachment`,
        async run (target) {
          const { cid } = await traversal()
          const res = await target.fetch(`/ipfs/${cid}?filename=foobar.${format}&download=true`, { headers: { Accept: `application/vnd.ipld.${dag}` } })
          expect(res.headers.get('Content-Disposition')).toContain(`attachment; filename="foobar.${format}"`)
          await res.body?.cancel()
        }
      },
      {
        name: `Cache control HTTP headers (${format})`,
        async run (target) {
          const { cid } = await traversal()
          const res = await target.fetch(`/ipfs/${cid}`, { headers: { Accept: `application/vnd.ipld.${dag}` } })
          expect(res.headers.get('ETag')).toContain(`${cid}.${dag}`)
          expect(res.headers.get('X-Ipfs-Path')).toBeTruthy()
          expect(res.headers.get('X-Ipfs-Roots')).toBeTruthy()
          expect(res.headers.get('Cache-Control')).toContain('public, max-age=29030400, immutable')
          await res.body?.cancel()
        }
      },
      {
        name: `HEAD ${name} with no explicit format returns HTTP 200`,
        async run (target) {
          const { cid } = await traversal()
          const res = await target.fetch(`/ipfs/${cid}`, { method: 'HEAD' })
          expect(res.status).toBe(200)
          expect(res.headers.get('Content-Type')).toContain(`application/vnd.ipld.${dag}`)
          expect(res.headers.get('Content-Length')).toBeTruthy()
        }
      },
      {
        name: `HEAD ${name} with an explicit format returns HTTP 200`,
        async run (target) {
          const { cid } = await traversal()
          const res = await target.fetch(`/ipfs/${cid}?format=${dag}`, { method: 'HEAD' })
          expect(res.status).toBe(200)
          expect(res.headers.get('ETag')).toContain(`${cid}.${dag}`)
          expect(res.headers.get('Content-Type')).toContain(`application/vnd.ipld.${dag}`)
          expect(res.headers.get('Content-Length')).toBeTruthy()
        }
      },
      {
        name: `HEAD ${name} with only-if-cached for missing block returns HTTP 412 Precondition Failed`,
        async run (target) {
          // car.RandomCID(): any CID this gateway does not hold
          const missing = 'bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
          expect(await status(target, `/ipfs/${missing}`, { method: 'HEAD', headers: { 'Cache-Control': 'only-if-cached' } })).toBe(412)
        }
      },
      {
        name: `GET ${name} on /ipfs with Accept: text/html returns HTML (dag-index-html)`,
        async run (target) {
          const { cid } = await traversal()
          const res = await target.fetch(`/ipfs/${cid}/`, { headers: { Accept: 'text/html' } })
          expect(res.status).toBe(200)
          expect(res.headers.get('ETag')).toContain('DagIndex-')
          expect(res.headers.get('Content-Type')).toContain('text/html')
          expect(res.headers.get('Content-Disposition')).toBeNull()
          expect([null, WEEK]).toContain(res.headers.get('Cache-Control'))
          expect(await text(res)).toContain('</html>')
        }
      },
      ...rangeCases(`GET ${name} on /ipfs with no explicit header`, async () => {
        const { cid, data } = await traversal()
        return { path: `/ipfs/${cid}/`, data, contentType: `application/vnd.ipld.${dag}` }
      }),
      ...rangeCases(`GET ${name} on /ipfs with dag content headers`, async () => {
        const { cid, data } = await traversal()
        return { path: `/ipfs/${cid}/`, init: { headers: { Accept: `application/vnd.ipld.${dag}` } }, data, contentType: `application/vnd.ipld.${dag}` }
      }),
      {
        name: `[IPIP-0524] GET ${name} on /ipfs with non-dag content headers (Accept: application/${format}) is 406, with or without Range`,
        async run (target) {
          const { cid } = await traversal()
          expect(await status(target, `/ipfs/${cid}/`, { headers: { Accept: `application/${format}`, Range: 'bytes=0-3' } })).toBe(406)
          expect(await status(target, `/ipfs/${cid}/`, { headers: { Accept: `application/${format}`, Range: 'bytes=0-1,4-5' } })).toBe(406)
        }
      }
    ]
  }),
  {
    name: 'GET DAG-CBOR with Accept: text/html returns HTML preview',
    async run (target) {
      const f = await fixture('path_gateway_dag/dag-cbor-traversal.car')
      expect(await text(await target.fetch(`/ipfs/${f.root}/`, { headers: { Accept: 'text/html' } }))).toContain('</html>')
    }
  }
]

describeConformance('path gateway: IPLD data (path_gateway_dag_test.go)', cases)
