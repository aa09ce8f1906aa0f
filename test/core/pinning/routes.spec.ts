import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { defaultLogger } from '@libp2p/logger'
import { createCafeApi, createHttpApi } from '../../../src/core/api/index.ts'
import { PINNING_BASE_PATH, carUpload, pinningRoutes } from '../../../src/core/pinning/routes.ts'
import type { AccountService } from '../../../src/core/accounts/index.ts'
import { ALICE, BOB, MALLORY, carOf, countBlocks, makeCafe, makeContent, randomContent, settled } from './helpers.ts'
import type { Cafe } from './helpers.ts'
import type { PinStatus } from '../../../src/core/pinning/index.ts'

const BASE = 'http://cafe.test/api/v0/pinning'

interface Call { status: number, body: any, headers: Headers }

function api (cafe: Cafe): (method: string, path: string, init?: { account?: string, json?: unknown, body?: BodyInit, headers?: Record<string, string> }) => Promise<Call> {
  // the pinning service's declared routes on the registry's HTTP door; the bearer names the account
  const accounts = { authenticate: async (credential?: string) => ({ account: credential ?? '', expiresAt: Infinity }) } as unknown as AccountService
  const services = { accounts, pinning: cafe.pinning }
  const api = createCafeApi<any>({ services, routes: pinningRoutes, logger: defaultLogger() })
  const http = createHttpApi(api, { logger: defaultLogger(), streams: [carUpload], accounts, services, mounts: [{ prefix: PINNING_BASE_PATH, errors: 'pinning-spec' }] })
  return async (method, path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers }
    let body = init.body
    if (init.json !== undefined) {
      body = JSON.stringify(init.json)
      headers['content-type'] = 'application/json'
    }
    headers.authorization = `Bearer ${init.account ?? ALICE}`
    const response = await http.fetch(new Request(BASE + path, { method, body, headers }))
    const text = await response.text()
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers }
  }
}

/** Pins `count` small DAGs for Alice, one second apart, named and tagged for the filter tests. */
async function seeded (): Promise<{ cafe: Cafe, call: ReturnType<typeof api>, pins: PinStatus[], cids: CID[] }> {
  const cafe = await makeCafe()
  const call = api(cafe)
  const names = ['Holiday Photos', 'holiday notes', 'Work', 'Taxes 2025', 'taxes 2026']
  const pins: PinStatus[] = []
  const cids: CID[] = []
  for (let i = 0; i < 12; i++) {
    const cid = await makeContent(cafe.source, randomContent(300, i + 1))
    cids.push(cid)
    cafe.now.value += 1000
    const { status, body } = await call('POST', '/pins', { json: { cid: cid.toString(), name: names[i % names.length], meta: { app: i % 2 === 0 ? 'even' : 'odd', n: String(i) } } })
    expect(status).toBe(202)
    pins.push(await settled(cafe.pinning, ALICE, body.requestid))
  }
  return { cafe, call, pins, cids }
}

describe('Pinning Service API: POST /pins and GET /pins/{requestid}', () => {
  it('POST /pins answers 202 with a PinStatus, and GET /pins/{requestid} shows it pinned', async () => {
    const cafe = await makeCafe()
    const call = api(cafe)
    const cid = await makeContent(cafe.source, randomContent(2000))
    const posted = await call('POST', '/pins', { json: { cid: cid.toString(), name: 'a', origins: ['/ip4/127.0.0.1/tcp/9/p2p/12D3KooWClient'], meta: { k: 'v' } } })
    expect(posted.status).toBe(202)
    expect(posted.headers.get('content-type')).toMatch(/^application\/json/)
    expect(Object.keys(posted.body).sort()).toEqual(['created', 'delegates', 'info', 'pin', 'requestid', 'status'])
    expect(posted.body.status).toBe('queued')
    expect(posted.body.delegates.length).toBeGreaterThan(0)
    expect(new Date(posted.body.created).toISOString()).toBe(posted.body.created)
    await settled(cafe.pinning, ALICE, posted.body.requestid)
    const got = await call('GET', `/pins/${posted.body.requestid}`)
    expect(got.status).toBe(200)
    expect(got.body.status).toBe('pinned')
    expect(got.body.pin).toEqual({ cid: cid.toString(), name: 'a', origins: ['/ip4/127.0.0.1/tcp/9/p2p/12D3KooWClient'], meta: { k: 'v' } })
    expect(Number(got.body.info.dag_size)).toBeGreaterThan(2000)
  })

  it('bad Pin bodies are refused with 400 and the spec error shape', async () => {
    const cafe = await makeCafe()
    const call = api(cafe)
    const cid = (await makeContent(cafe.source, randomContent(10))).toString()
    const cases: Array<[unknown, string]> = [
      [{ cid: 'bafy-not-a-cid' }, 'CID_INVALID'],
      [{}, 'CID_INVALID'],
      [[], 'BAD_REQUEST'],
      [{ cid, name: 'x'.repeat(256) }, 'BAD_REQUEST'],
      [{ cid, meta: { n: 1 } }, 'BAD_REQUEST'],
      [{ cid, origins: 'not a list' }, 'BAD_REQUEST'],
      [{ cid, origins: Array.from({ length: 21 }, (_, i) => `/ip4/127.0.0.${i}/tcp/1`) }, 'BAD_REQUEST']
    ]
    for (const [json, reason] of cases) {
      const { status, body } = await call('POST', '/pins', { json })
      expect(status, JSON.stringify(json)).toBe(400)
      expect(body.error.reason).toBe(reason)
      expect(typeof body.error.details).toBe('string')
    }
    const notJson = await call('POST', '/pins', { body: '{ nope', headers: { 'content-type': 'application/json' } })
    expect(notJson.status).toBe(400)
    const tooBig = await call('POST', '/pins', { json: { cid, name: 'x'.repeat(70_000) } })
    expect(tooBig.status).toBe(413)
    expect((await cafe.pinning.list(ALICE, { status: ['queued', 'pinning', 'pinned', 'failed'] })).count).toBe(0)
  })

  it('an unknown request id is 404 NOT_FOUND', async () => {
    const call = api(await makeCafe())
    for (const id of ['a'.repeat(32), 'nope', '..%2F..%2Fcafe']) {
      const { status, body } = await call('GET', `/pins/${id}`)
      expect(status).toBe(404)
      expect(body.error.reason).toBe('NOT_FOUND')
    }
  })

  it("another account's request id is 404, exactly as if it did not exist, for GET, POST and DELETE", async () => {
    const cafe = await makeCafe()
    const call = api(cafe)
    const cid = await makeContent(cafe.source, randomContent(500))
    const { body: mine } = await call('POST', '/pins', { json: { cid: cid.toString() } })
    await settled(cafe.pinning, ALICE, mine.requestid)
    const unknown = await call('GET', `/pins/${'b'.repeat(32)}`, { account: BOB })
    for (const method of ['GET', 'POST', 'DELETE']) {
      const theirs = await call(method, `/pins/${mine.requestid}`, { account: BOB, json: method === 'POST' ? { cid: cid.toString() } : undefined })
      expect(theirs.status, method).toBe(404)
      expect(theirs.body).toEqual(unknown.body)
    }
    expect((await call('GET', '/pins', { account: BOB })).body).toEqual({ count: 0, results: [] })
    expect((await call('GET', `/pins/${mine.requestid}`)).body.status).toBe('pinned')
  })

  it('POST /pins/{requestid} replaces the pin: 202, a new request id, the old one gone', async () => {
    const cafe = await makeCafe()
    const call = api(cafe)
    const a = await makeContent(cafe.source, randomContent(500, 1))
    const b = await makeContent(cafe.source, randomContent(500, 2))
    const { body: old } = await call('POST', '/pins', { json: { cid: a.toString(), name: 'v1' } })
    await settled(cafe.pinning, ALICE, old.requestid)
    const replaced = await call('POST', `/pins/${old.requestid}`, { json: { cid: b.toString(), name: 'v2' } })
    expect(replaced.status).toBe(202)
    expect(replaced.body.requestid).not.toBe(old.requestid)
    expect(replaced.body.pin).toEqual({ cid: b.toString(), name: 'v2' })
    expect((await call('GET', `/pins/${old.requestid}`)).status).toBe(404)
    expect((await settled(cafe.pinning, ALICE, replaced.body.requestid)).status).toBe('pinned')
    const bad = await call('POST', `/pins/${replaced.body.requestid}`, { json: { cid: 'x' } })
    expect(bad.status).toBe(400)
    expect((await call('GET', `/pins/${replaced.body.requestid}`)).status).toBe(200)
  })

  it('DELETE /pins/{requestid} answers 202 without a body and the blocks go', async () => {
    const cafe = await makeCafe()
    const call = api(cafe)
    const cid = await makeContent(cafe.source, randomContent(3000))
    const { body } = await call('POST', '/pins', { json: { cid: cid.toString() } })
    await settled(cafe.pinning, ALICE, body.requestid)
    const deleted = await call('DELETE', `/pins/${body.requestid}`)
    expect(deleted.status).toBe(202)
    expect(deleted.body).toBeUndefined()
    expect((await call('GET', `/pins/${body.requestid}`)).status).toBe(404)
    expect((await call('DELETE', `/pins/${body.requestid}`)).status).toBe(404)
    expect(await countBlocks(cafe.blockstore)).toBe(0)
  })

  it('an account out of storage gets 409 INSUFFICIENT_FUNDS from POST /pins', async () => {
    const cafe = await makeCafe({ storageBytes: 100 })
    const call = api(cafe)
    const bytes = randomContent(100)
    const cid = CID.createV1(raw.code, await sha256.digest(bytes))
    await cafe.source.put(cid, bytes)
    const { body } = await call('POST', '/pins', { json: { cid: cid.toString() } })
    expect((await settled(cafe.pinning, ALICE, body.requestid)).status).toBe('pinned')
    const other = await makeContent(cafe.source, randomContent(50, 2))
    const refused = await call('POST', '/pins', { json: { cid: other.toString() } })
    expect(refused.status).toBe(409)
    expect(refused.body.error.reason).toBe('INSUFFICIENT_FUNDS')
  })

  it('an unregistered account gets 401 UNAUTHORIZED', async () => {
    const call = api(await makeCafe())
    const { status, body } = await call('GET', '/pins', { account: MALLORY })
    expect(status).toBe(401)
    expect(body.error.reason).toBe('UNAUTHORIZED')
  })

  it('unknown routes are 404 and wrong methods 405 with Allow', async () => {
    const call = api(await makeCafe())
    expect((await call('GET', '/nope')).status).toBe(404)
    expect((await call('GET', '/pins/a/b')).status).toBe(404)
    const wrong = await call('PUT', '/pins')
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('GET, POST')
    expect(wrong.body.error.reason).toBe('METHOD_NOT_ALLOWED')
  })
})

describe('Pinning Service API: GET /pins filters', () => {
  it('without filters: the 10 newest pinned pins, newest first, and the total count', async () => {
    const { cafe, call, pins } = await seeded()
    const missing = await makeContent(cafe.source, randomContent(10, 99))
    await cafe.source.delete(missing)
    cafe.now.value += 1000
    const { body: failed } = await call('POST', '/pins', { json: { cid: missing.toString() } })
    expect((await settled(cafe.pinning, ALICE, failed.requestid)).status).toBe('failed')

    const { status, body } = await call('GET', '/pins')
    expect(status).toBe(200)
    expect(body.count).toBe(12)
    expect(body.results.map((p: PinStatus) => p.requestid)).toEqual(pins.slice(2).reverse().map(p => p.requestid))
  })

  it('status: one status, a comma list, repeated parameters, and a bad status', async () => {
    const { cafe, call } = await seeded()
    const missing = await makeContent(cafe.source, randomContent(10, 99))
    await cafe.source.delete(missing)
    const { body: failed } = await call('POST', '/pins', { json: { cid: missing.toString() } })
    const settledFailed = await settled(cafe.pinning, ALICE, failed.requestid)
    expect(settledFailed.info.reason).toBe('BLOCK_MISSING')

    const onlyFailed = await call('GET', '/pins?status=failed')
    expect(onlyFailed.body.count).toBe(1)
    expect(onlyFailed.body.results[0].requestid).toBe(failed.requestid)
    expect((await call('GET', '/pins?status=failed,pinned')).body.count).toBe(13)
    expect((await call('GET', '/pins?status=failed&status=pinned')).body.count).toBe(13)
    expect((await call('GET', '/pins?status=queued,pinning')).body.count).toBe(0)
    expect((await call('GET', '/pins?status=lost')).status).toBe(400)
  })

  it('cid: one or several CIDs, v0 and v1 spellings, at most 10, and malformed ones', async () => {
    const { call, cids, pins } = await seeded()
    const one = await call('GET', `/pins?cid=${cids[3].toString()}`)
    expect(one.body.results.map((p: PinStatus) => p.requestid)).toEqual([pins[3].requestid])
    const two = await call('GET', `/pins?cid=${cids[1].toString()},${cids[2].toString()}`)
    expect(two.body.count).toBe(2)
    expect((await call('GET', `/pins?cid=${cids[1].toString()}&cid=${cids[2].toString()}`)).body.count).toBe(2)
    const eleven = cids.slice(0, 11).map(c => c.toString()).join(',')
    const tooMany = await call('GET', `/pins?cid=${eleven}`)
    expect(tooMany.status).toBe(400)
    expect((await call('GET', '/pins?cid=notacid')).status).toBe(400)
  })

  it('name with each match mode', async () => {
    const { call } = await seeded()
    const count = async (query: string): Promise<number> => (await call('GET', `/pins?limit=1000&${query}`)).body.count
    expect(await count('name=Holiday%20Photos')).toBe(3)
    expect(await count('name=holiday%20photos')).toBe(0)
    expect(await count('name=holiday%20photos&match=exact')).toBe(0)
    expect(await count('name=holiday%20photos&match=iexact')).toBe(3)
    expect(await count('name=oliday&match=partial')).toBe(6)
    expect(await count('name=Holiday&match=partial')).toBe(3)
    expect(await count('name=TAXES&match=ipartial')).toBe(4)
    expect(await count('name=Taxes&match=partial')).toBe(2)
    expect((await call('GET', '/pins?name=x&match=fuzzy')).status).toBe(400)
  })

  it('before and after page through the results by created time', async () => {
    const { call, pins } = await seeded()
    const first = await call('GET', '/pins?limit=5')
    expect(first.body.results.map((p: PinStatus) => p.requestid)).toEqual(pins.slice(7).reverse().map(p => p.requestid))
    const oldest = first.body.results[4].created
    const second = await call('GET', `/pins?limit=5&before=${encodeURIComponent(oldest)}`)
    expect(second.body.count).toBe(7)
    expect(second.body.results.map((p: PinStatus) => p.requestid)).toEqual(pins.slice(2, 7).reverse().map(p => p.requestid))
    const after = await call('GET', `/pins?after=${encodeURIComponent(pins[9].created)}`)
    expect(after.body.results.map((p: PinStatus) => p.requestid)).toEqual([pins[11].requestid, pins[10].requestid])
    const window = await call('GET', `/pins?after=${encodeURIComponent(pins[2].created)}&before=${encodeURIComponent(pins[5].created)}`)
    expect(window.body.count).toBe(2)
    expect((await call('GET', '/pins?before=yesterday')).status).toBe(400)
  })

  it('limit: default 10, 1 to 1000, anything else is 400', async () => {
    const { call } = await seeded()
    expect((await call('GET', '/pins')).body.results).toHaveLength(10)
    expect((await call('GET', '/pins?limit=1')).body.results).toHaveLength(1)
    const all = await call('GET', '/pins?limit=1000')
    expect(all.body.results).toHaveLength(12)
    expect(all.body.count).toBe(12)
    for (const bad of ['0', '1001', '-1', '2.5', 'ten']) {
      const { status, body } = await call('GET', `/pins?limit=${bad}`)
      expect(status, bad).toBe(400)
      expect(body.error.reason).toBe('BAD_REQUEST')
    }
  })

  it('meta: pins whose metadata has every given pair; malformed JSON is 400', async () => {
    const { call, pins } = await seeded()
    const odd = await call('GET', `/pins?limit=1000&meta=${encodeURIComponent(JSON.stringify({ app: 'odd' }))}`)
    expect(odd.body.count).toBe(6)
    const exact = await call('GET', `/pins?meta=${encodeURIComponent(JSON.stringify({ app: 'odd', n: '3' }))}`)
    expect(exact.body.results.map((p: PinStatus) => p.requestid)).toEqual([pins[3].requestid])
    expect((await call('GET', `/pins?meta=${encodeURIComponent(JSON.stringify({ app: 'none' }))}`)).body.count).toBe(0)
    expect((await call('GET', '/pins?meta={nope')).status).toBe(400)
    expect((await call('GET', `/pins?meta=${encodeURIComponent('[1]')}`)).status).toBe(400)
  })
})

describe('CAR upload route', () => {
  it('POST /car stores and pins the roots and answers with their PinStatus', async () => {
    const cafe = await makeCafe()
    const call = api(cafe)
    const root = await makeContent(cafe.source, randomContent(5000))
    const car = await carOf(cafe.source, [root])
    const { status, body } = await call('POST', `/car?name=upload&meta=${encodeURIComponent('{"via":"car"}')}`, { body: car, headers: { 'content-type': 'application/vnd.ipld.car; version=1' } })
    expect(status).toBe(200)
    expect(body.count).toBe(1)
    expect(body.results[0].status).toBe('pinned')
    expect(body.results[0].pin).toEqual({ cid: root.toString(), name: 'upload', meta: { via: 'car' } })
    expect((await call('GET', `/pins/${body.results[0].requestid}`)).body.status).toBe('pinned')
  })

  it('POST /car with another content type is 415, with a bad block 400 BLOCK_MISMATCH, over quota 413', async () => {
    const cafe = await makeCafe({ storageBytes: 3000 })
    const call = api(cafe)
    const root = await makeContent(cafe.source, randomContent(5000))
    const car = await carOf(cafe.source, [root])
    expect((await call('POST', '/car', { body: car, headers: { 'content-type': 'application/octet-stream' } })).status).toBe(415)

    const over = await call('POST', '/car', { body: car, headers: { 'content-type': 'application/vnd.ipld.car' } })
    expect(over.status).toBe(413)
    expect(over.body.error.reason).toBe('QUOTA_EXCEEDED')
    const announced = await call('POST', '/car', { body: new Uint8Array(10), headers: { 'content-type': 'application/vnd.ipld.car', 'content-length': '999999' } })
    expect(announced.status).toBe(413)

    const bytes = randomContent(100)
    const cid = CID.createV1(raw.code, await sha256.digest(bytes))
    const bad = await carOf(cafe.source, [cid], [{ cid, bytes: randomContent(100, 5) }])
    const mismatch = await call('POST', '/car', { body: bad, headers: { 'content-type': 'application/vnd.ipld.car' } })
    expect(mismatch.status).toBe(400)
    expect(mismatch.body.error.reason).toBe('BLOCK_MISMATCH')
    expect(await countBlocks(cafe.blockstore)).toBe(0)
  })
})

