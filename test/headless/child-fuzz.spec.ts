/**
 * Thousands of malformed requests across every route (the route table, the Pinning Service
 * API, the gateway) against the headless cafe as a child process, over raw sockets and
 * fetch: no answer is a 5xx, the process lives, its memory stays bounded, and every error
 * the API door or the server gives is the JSON error. Seeded: FUZZ_SEED replays a run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packCar } from '../../src/client/index.ts'
import { cafeRoutes, cafeStreamRoutes } from '../../src/core/routes.ts'
import { encryptBytes, formatFileKey } from '../../src/core/crypto/index.ts'
import { randomLoopback, rawRequest, registerDevice, seeded, startChildCafe, type ChildCafe, type RawResponse } from './child-cafe.ts'

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 100_000)
const REQUESTS = 4_000
const CONCURRENCY = 12
const TIME_LIMIT_MS = 60_000

/** The Pinning Service API's paths (`alsoAt` of the pinning routes) and the CAR upload's, as the registry declares them. */
const PINNING_ROUTES = [
  ...cafeRoutes.flatMap(route => route.alsoAt == null ? [] : [{ method: route.method, path: route.alsoAt.path }]),
  ...cafeStreamRoutes.flatMap(route => route.http == null ? [] : [{ method: route.http.method, path: route.http.path }])
]

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'TRACK', 'CONNECT', 'FROB', 'get', 'M-SEARCH', 'PROPFIND', 'PURGE', 'G ET', '']
const JUNK = ['', '%', '%ff', '%E0%A4%A', '%00', '..', '../..', '%2e%2e%2f', 'a'.repeat(3000), '\u00e9', '%F0%9F%98%80', '~', '*', '%25', ';', 'bafy', 'Qm', 'null', '-1', '1e309', 'NaN', '[]', '{}', '%7B%22a%22%3A1%7D']
const QUERY_FIELDS = ['meta', 'meta[a]', 'meta[]', 'meta[a][b]', 'limit', 'cid', 'status', 'name', 'match', 'before', 'after', 'format', 'key', 'filename', 'download', 'dag-scope', 'entity-bytes', 'peer', 'thread', 'uses', 'storageBytes', '__proto__', 'constructor']
const QUERY_VALUES = ['', 'notjson', '{', '[1]', '{"a":1}', '{"a":"b"}', '-1', '0', '1001', '99999999999999999999', 'abc', 'pinned,failed', 'bogus', '2020-13-45', 'car', 'raw', 'dag-json', 'tar', 'x'.repeat(2000), '%ff', '%', 'bafyinvalid', 'bytes=5-1', '0:*', 'true']
const BODIES = ['', '{', '{"a":', 'null', '[]', '"str"', '1', '{"cid":1}', '{"cid":"notacid"}', '{"meta":"notjson"}', '{"meta":{"a":1}}', '{"origins":"x"}', '{"origins":[1,2]}', '{"name":{}}',
  '{"ciphertext":"!!!"}', '{"quota":{}}', '{"storageBytes":-1,"inboxMessages":"x","inboxBytes":null}', '{"uses":"many"}', '{"account":"x","signature":"y"}', '{"__proto__":{"polluted":1}}',
  '['.repeat(5000), '{"a":' + '['.repeat(2000), JSON.stringify({ pad: 'x'.repeat(70_000) }), '\u0000\u0001\u0002', 'not json at all']

interface Sent {
  method: string
  path: string
  via: 'raw' | 'fetch'
  status: number
  contentType?: string
}

describe('several thousand malformed requests never get a 5xx from the headless cafe', () => {
  let cafe: ChildCafe
  let token: string
  let account: string
  let paths: string[]

  beforeAll(async () => {
    cafe = await startChildCafe()
    // the content's owner is never named nor used by the fuzz (DELETE /api/v0/account or an owner's
    // DELETE /clients/:peer would rightly remove it, and the gateway then waits on the network for its blocks)
    const device = await registerDevice(cafe)
    const fuzzer = await registerDevice(cafe)
    token = await fuzzer.accessToken()
    account = fuzzer.client.account
    const album = await packCar([{ path: 'album/a.txt', content: new TextEncoder().encode('a\n') }, { path: 'album/b/c.bin', content: new Uint8Array(300_000).fill(7) }])
    await device.backup.uploadCar(album.car, { name: 'album' })
    const { key, ciphertext } = await encryptBytes(new Uint8Array(100_000).fill(3))
    const secret = await packCar([{ path: 's.bin', content: ciphertext }], { wrap: false })
    await device.backup.uploadCar(secret.car, { name: 'secret' })
    paths = [
      ...cafeRoutes.map(route => route.path),
      ...PINNING_ROUTES.map(route => route.path),
      `/ipfs/${album.root}`, `/ipfs/${album.root}/album/a.txt`, `/ipfs/${album.root}/album/b/c.bin`, `/ipfs/${album.root}/album/`,
      `/ipfs/${secret.root}?key=${formatFileKey(key)}`, `/ipfs/${secret.root}?key=${formatFileKey(new Uint8Array(32))}`,
      '/ipfs/', '/ipfs/:cid', '/ipfs/:cid/:path', '/api/v0/:any', '/api/v0/:any/:any', '/api/:any', '/:any'
    ]
  }, 60_000)

  afterAll(async () => { await cafe?.stop() })

  it(`${REQUESTS} requests (seed ${SEED}): 0 answers >= 500, JSON errors on the API, the process alive, memory bounded`, async () => {
    const random = seeded(SEED)
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]
    const fill = (path: string): string => path.replace(/:[a-z]+/gi, () => random() < 0.3 ? account : pick(JUNK))
    const query = (): string => {
      if (random() < 0.4) return ''
      const fields = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
        const name = pick(QUERY_FIELDS)
        return `${random() < 0.5 ? encodeURIComponent(name) : name}=${random() < 0.5 ? encodeURIComponent(pick(QUERY_VALUES)) : pick(QUERY_VALUES).replace(/[\s#]/g, '')}`
      })
      return fields.join('&')
    }
    const auth = (): string => {
      const r = random()
      if (r < 0.35) return `authorization: Bearer ${token}\r\n`
      if (r < 0.55) return `authorization: Bearer ${cafe.ownerSecret}\r\n`
      if (r < 0.65) return `authorization: ${pick(['Bearer', 'Basic abc', 'Bearer a.b.c', `Bearer ${token}x`, 'Bearer ' + 'z'.repeat(3000)])}\r\n`
      return ''
    }
    const extraHeaders = (): string => {
      const lines: string[] = []
      if (random() < 0.2) lines.push(`range: ${pick(['bytes=0-', 'bytes=-1', 'bytes=5-1', 'bytes=0-0,2-3,999999999-', 'bytes=abc', 'lines=1-2', 'bytes=99999999999999999999-'])}`)
      if (random() < 0.2) lines.push(`accept: ${pick(['application/vnd.ipld.car', 'application/vnd.ipld.raw', 'application/x-tar', '*/*;q=x', 'text/html', 'application/vnd.ipld.car; version=2; order=dfs; dups=y'])}`)
      if (random() < 0.15) lines.push(`content-type: ${pick(['application/json', 'application/vnd.ipld.car', 'text/plain', 'multipart/form-data; boundary=', ''])}`)
      if (random() < 0.1) lines.push(`if-none-match: ${pick(['*', '"x"', 'W/"y"', ''])}`)
      if (random() < 0.05) lines.push('cache-control: only-if-cached')
      if (random() < 0.03) lines.push(`x-huge: ${'h'.repeat(20_000)}`)
      if (random() < 0.03) lines.push('connection: upgrade', 'upgrade: websocket')
      if (random() < 0.03) lines.push('expect: 100-continue')
      if (random() < 0.03) lines.push('service-worker: script')
      return lines.map(line => `${line}\r\n`).join('')
    }

    const sent: Sent[] = []
    const baseline = await cafe.rss()
    let peak = baseline
    const started = Date.now()

    const one = async (i: number): Promise<void> => {
      const method = pick(METHODS)
      const base = fill(pick(paths))
      const q = query()
      const path = q === '' ? base : `${base}${base.includes('?') ? '&' : '?'}${q}`
      if (i % 10 === 0 && ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].includes(method)) {
        // through fetch (the client as a browser would send it)
        const body = method === 'GET' ? undefined : pick(BODIES)
        try {
          const response = await fetch(`${cafe.url}${path.replace(/[\s]/g, '')}`, {
            method,
            headers: random() < 0.6 ? { authorization: `Bearer ${random() < 0.5 ? token : cafe.ownerSecret}`, 'content-type': 'application/json' } : {},
            body,
            signal: AbortSignal.timeout(5_000)
          })
          await response.arrayBuffer()
          sent.push({ method, path, via: 'fetch', status: response.status, contentType: response.headers.get('content-type') ?? undefined })
        } catch {
          sent.push({ method, path, via: 'fetch', status: 0 })
        }
        return
      }
      const body = ['GET', 'HEAD'].includes(method) && random() < 0.8 ? '' : pick(BODIES)
      const framing = random()
      let head = `${method} ${path} HTTP/1.1\r\nhost: cafe\r\n${auth()}${extraHeaders()}`
      let payload: string | Buffer = body
      if (framing < 0.6) {
        head += `content-length: ${Buffer.byteLength(body)}\r\n`
      } else if (framing < 0.75) {
        // chunked, sometimes with a broken chunk size
        head += 'transfer-encoding: chunked\r\n'
        payload = random() < 0.3 ? `zz\r\n${body}\r\n0\r\n\r\n` : `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`
      } else if (framing < 0.85) {
        // a length that lies: more than is sent (the client then ends), or a bad number
        head += `content-length: ${pick([String(Buffer.byteLength(body) + 100), '-1', 'abc', '1, 2', '99999999999999999999'])}\r\n`
      } else if (framing < 0.9) {
        // oversized: 2 MB of JSON-ish bytes against the API's 16-64 KiB limits
        payload = Buffer.alloc(2_000_000, 0x20)
        head += `content-length: ${payload.byteLength}\r\n`
      }
      const response: RawResponse = await rawRequest(cafe.port, [`${head}\r\n`, payload], {
        localAddress: randomLoopback(random),
        halfClose: framing >= 0.75 && framing < 0.85,
        timeoutMs: 5_000
      })
      sent.push({ method, path, via: 'raw', status: response.status, contentType: response.headers['content-type'] })
    }

    let next = 0
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS && Date.now() - started < TIME_LIMIT_MS) {
        const i = next++
        await one(i)
        if (i % 250 === 0) peak = Math.max(peak, await cafe.rss())
      }
    }))
    peak = Math.max(peak, await cafe.rss())

    const failures = sent.filter(s => s.status >= 500)
    const apiErrors = sent.filter(s => s.status >= 400 && s.path.startsWith('/api/') && s.method !== 'HEAD')
    const notJson = apiErrors.filter(s => !(s.contentType ?? '').startsWith('application/json'))
    const answered = sent.filter(s => s.status !== 0).length
    console.log(`fuzz seed ${SEED}: ${sent.length} requests in ${Date.now() - started} ms, ${answered} answered, ` +
      `${sent.filter(s => s.status >= 400 && s.status < 500).length} 4xx, ${failures.length} 5xx; RSS ${Math.round(baseline / 2 ** 20)} → peak ${Math.round(peak / 2 ** 20)} MiB`)

    expect(failures.slice(0, 10), `5xx answers (seed ${SEED})\n${cafe.stderr().slice(-3000)}`).toEqual([])
    expect(notJson.slice(0, 10), 'API errors without the JSON error body').toEqual([])
    // several thousand, even on a slow machine (the run stops at TIME_LIMIT_MS)
    expect(sent.length).toBeGreaterThanOrEqual(2_000)
    // every request gets an answer, but for a few whose client lied about its length and left
    expect(answered).toBeGreaterThan(sent.length * 0.98)
    expect(cafe.exitCode()).toBeNull()
    expect(await cafe.answers()).toBe(true)
    expect(peak).toBeLessThan(Math.max(baseline * 2, baseline + 256 * 2 ** 20))
  }, 90_000)
})
