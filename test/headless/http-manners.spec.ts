/**
 * The headless cafe's HTTP manners, against it as a child process (with DEBUG=cafe:* on):
 * malformed requests get a 4xx with the JSON error, an early error closes the connection
 * cleanly, the Pinning Service API takes the generated client's meta[key]=value query form,
 * and no log line carries a decryption key. The timeouts are tested on serveFetch itself.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Agent, request as httpRequest } from 'node:http'
import { defaultLogger } from '@libp2p/logger'
import { packCar } from '../../src/client/index.ts'
import { encryptBytes, formatFileKey } from '../../src/core/crypto/index.ts'
import { serveFetch, type FetchServer } from '../../src/headless/http-server.ts'
import { rawRequest, registerDevice, startChildCafe, type ChildCafe, type ChildDevice, type RawResponse } from './child-cafe.ts'
import type { CID } from 'multiformats/cid'

const pattern = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) % 251)

function json (response: RawResponse): any {
  expect(response.headers['content-type']).toMatch(/^application\/json/)
  return JSON.parse(response.body.toString('utf8'))
}

/** One request through a node:http Agent, so keep-alive reuse is the client's own. */
async function agentRequest (agent: Agent, url: string, init: { method?: string, headers?: Record<string, string | number>, body?: Uint8Array } = {}): Promise<{ status: number, headers: Record<string, unknown>, body: string, reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent, method: init.method ?? 'GET', headers: init.headers }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', chunk => { body += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body, reused: req.reusedSocket }) })
    })
    req.on('error', reject)
    req.end(init.body)
  })
}

describe('the headless cafe answers every malformed request with a JSON 4xx and keeps its connections sane', () => {
  let cafe: ChildCafe
  let device: ChildDevice
  let token: string
  let album: CID
  let secretRoot: CID
  let keyText: string

  beforeAll(async () => {
    cafe = await startChildCafe({ env: { DEBUG: 'cafe:*' } })
    device = await registerDevice(cafe)
    token = await device.accessToken()
    const packed = await packCar([{ path: 'album/a.txt', content: new TextEncoder().encode('a\n') }])
    album = packed.root
    await device.backup.uploadCar(packed.car, { name: 'album', meta: { app: 'photos', kind: 'album' } })
    const { key, ciphertext } = await encryptBytes(pattern(300_000, 1))
    keyText = formatFileKey(key)
    const secret = await packCar([{ path: 's.bin', content: ciphertext }], { wrap: false })
    secretRoot = secret.root
    await device.backup.uploadCar(secret.car, { name: 'secret', meta: { app: 'vault' } })
  }, 60_000)

  afterAll(async () => { await cafe?.stop() })

  const send = async (head: string, options?: Parameters<typeof rawRequest>[2]): Promise<RawResponse> => rawRequest(cafe.port, head, options)

  it('TRACE is 405 with Allow on a route that has other methods, 404 where nothing is; an unknown method is a JSON 400', async () => {
    const api = await send('TRACE /api/v0/cafe HTTP/1.1\r\nhost: x\r\n\r\n')
    expect(api.status).toBe(405)
    expect(api.headers.allow).toBe('GET')
    expect(json(api)).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } })

    const gateway = await send(`TRACE /ipfs/${album} HTTP/1.1\r\nhost: x\r\n\r\n`)
    expect(gateway.status).toBe(405)
    expect(gateway.headers.allow.split(', ')).toEqual(expect.arrayContaining(['GET', 'HEAD']))
    expect(gateway.headers.allow).not.toMatch(/TRACE/)

    const pinning = await send(`TRACE /api/v0/pinning/pins HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\n\r\n`)
    expect(pinning.status).toBe(405)
    expect(pinning.headers.allow).toBe('GET, POST')

    const nowhere = await send('TRACE /nothing/here HTTP/1.1\r\nhost: x\r\n\r\n')
    expect(nowhere.status).toBe(404)
    expect(json(nowhere)).toMatchObject({ error: { code: 'NOT_FOUND' } })

    const unknown = await send('FROB /api/v0/cafe HTTP/1.1\r\nhost: x\r\n\r\n')
    expect(unknown.status).toBe(400)
    expect(json(unknown)).toMatchObject({ error: { code: 'METHOD_INVALID' } })
    expect(unknown.ended).toBe('end')
  })

  it('a malformed percent escape in a path is 400 on the API, the Pinning Service API and the gateway', async () => {
    const auth = `authorization: Bearer ${token}\r\n`
    const pinning = await send(`GET /api/v0/pinning/pins/%ff HTTP/1.1\r\nhost: x\r\n${auth}\r\n`)
    expect(pinning.status).toBe(400)
    expect(json(pinning)).toMatchObject({ error: { reason: 'BAD_REQUEST' } })
    for (const method of ['GET', 'DELETE']) {
      const api = await send(`${method} /api/v0/pins/%E0%A4%A HTTP/1.1\r\nhost: x\r\n${auth}\r\n`)
      expect(api.status).toBe(400)
      expect(json(api)).toMatchObject({ error: { code: 'INPUT_INVALID' } })
    }
    const gateway = await send(`GET /ipfs/${album}/%ff HTTP/1.1\r\nhost: x\r\n\r\n`)
    expect(gateway.status).toBeGreaterThanOrEqual(400)
    expect(gateway.status).toBeLessThan(500)
  })

  it('meta that is not a JSON object is 400 on GET and POST /api/v0/pins, the owner\'s per-client list and the Pinning Service API', async () => {
    const auth = { authorization: `Bearer ${token}` }
    for (const meta of ['notjson', '%7B', '[1]', '%7B%22a%22%3A1%7D']) {
      const list = await fetch(`${cafe.url}/api/v0/pins?meta=${meta}`, { headers: auth })
      expect(list.status, meta).toBe(400)
      expect(await list.json()).toMatchObject({ error: { code: 'INPUT_INVALID' } })
      const add = await fetch(`${cafe.url}/api/v0/pins?meta=${meta}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ cid: album.toString() }) })
      expect(add.status, meta).toBe(400)
      const owner = await fetch(`${cafe.url}/api/v0/clients/${device.client.account}/pins?meta=${meta}`, { headers: { authorization: `Bearer ${cafe.ownerSecret}` } })
      expect(owner.status, meta).toBe(400)
      const pinning = await fetch(`${cafe.url}/api/v0/pinning/pins?meta=${meta}`, { headers: auth })
      expect(pinning.status, meta).toBe(400)
      expect(await pinning.json()).toMatchObject({ error: { reason: 'BAD_REQUEST' } })
    }
  })

  it('the Pinning Service API filters by meta[key]=value, the form @ipfs-shipyard/pinning-service-client sends', async () => {
    const auth = { authorization: `Bearer ${token}` }
    // the generated client's querystring(): encodeURIComponent('meta[app]') + '=' + encodeURIComponent(value)
    const list = async (query: string): Promise<string[]> => {
      const response = await fetch(`${cafe.url}/api/v0/pinning/pins?${query}`, { headers: auth })
      expect(response.status, query).toBe(200)
      return (await response.json()).results.map((result: { pin: { name: string } }) => result.pin.name).sort()
    }
    expect(await list('')).toEqual(['album', 'secret'])
    expect(await list(`${encodeURIComponent('meta[app]')}=photos`)).toEqual(['album'])
    expect(await list(`${encodeURIComponent('meta[app]')}=vault`)).toEqual(['secret'])
    expect(await list(`${encodeURIComponent('meta[app]')}=photos&${encodeURIComponent('meta[kind]')}=album`)).toEqual(['album'])
    expect(await list(`${encodeURIComponent('meta[app]')}=photos&${encodeURIComponent('meta[kind]')}=other`)).toEqual([])
    expect(await list(`meta=${encodeURIComponent('{"app":"vault"}')}`)).toEqual(['secret'])
    // the cafe's own pins route takes the same form
    const own = await fetch(`${cafe.url}/api/v0/pins?${encodeURIComponent('meta[app]')}=vault`, { headers: auth })
    expect((await own.json()).results.map((result: { pin: { name: string } }) => result.pin.name)).toEqual(['secret'])
  })

  it('oversized headers are a JSON 431, an oversized declared body a JSON 413', async () => {
    const headers = await send(`GET /api/v0/cafe HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(40 * 1024)}\r\n\r\n`)
    expect(headers.status).toBe(431)
    expect(json(headers)).toMatchObject({ error: { code: 'HEADERS_TOO_LARGE' } })
    const body = await send('POST /api/v0/sessions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 2000000000\r\n\r\n{')
    expect(body.status).toBe(413)
    expect(json(body)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } })
  })

  it('after an early 413 on a keep-alive connection the next request works: the 413 says Connection: close and the body is drained first', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const first = await agentRequest(agent, `${cafe.url}/api/v0/cafe`)
      expect(first.status).toBe(200)
      // larger than the route's 16 KiB limit, declared: answered before the body is read
      const big = new Uint8Array(3 * 1024 * 1024).fill(0x20)
      const refused = await agentRequest(agent, `${cafe.url}/api/v0/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': big.byteLength }, body: big })
      expect(refused.status).toBe(413)
      expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } })
      for (let i = 0; i < 3; i++) expect((await agentRequest(agent, `${cafe.url}/api/v0/cafe`)).status).toBe(200)
      expect(refused.headers.connection).toBe('close')
      // 401 before the body is read: the same manners
      const unauthorized = await agentRequest(agent, `${cafe.url}/api/v0/pinning/car`, { method: 'POST', headers: { 'content-type': 'application/vnd.ipld.car', 'content-length': big.byteLength }, body: big })
      expect(unauthorized.status).toBe(401)
      expect((await agentRequest(agent, `${cafe.url}/api/v0/cafe`)).status).toBe(200)
    } finally {
      agent.destroy()
    }
  })

  it('a raw client that keeps sending after an early 413 reads the JSON answer and then a clean close, not a reset', async () => {
    const head = 'POST /api/v0/sessions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 4000000\r\n\r\n'
    const chunks = [head, ...Array.from({ length: 16 }, () => Buffer.alloc(250_000, 0x20))]
    const answer = await rawRequest(cafe.port, chunks, { untilComplete: false, timeoutMs: 8_000 })
    expect(answer.status).toBe(413)
    expect(answer.headers.connection).toBe('close')
    expect(json(answer)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } })
    expect(answer.ended).toBe('end')
  })

  it('a chunked JSON body past a route\'s limit is a JSON 413, and the process lives on', async () => {
    // main died here: the body stream, cancelled by the route, was still fed by the request's 'data' events
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    const parts: Array<string | Buffer> = ['POST /api/v0/sessions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n']
    for (let i = 0; i < 40; i++) parts.push(`${chunk.byteLength.toString(16)}\r\n`, chunk, '\r\n')
    parts.push('0\r\n\r\n')
    const answer = await rawRequest(cafe.port, parts, { timeoutMs: 8_000 })
    expect(answer.status).toBe(413)
    expect(json(answer)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } })
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(cafe.exitCode()).toBeNull()
    expect(await cafe.answers()).toBe(true)
  })

  it('a chunked CAR upload over the account\'s quota gets the 413 JSON, and the cafe serves the next request', async () => {
    const quota = await fetch(`${cafe.url}/api/v0/clients/${device.client.account}/quota`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${cafe.ownerSecret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ storageBytes: 1_000_000, inboxMessages: 100, inboxBytes: 1_000_000 })
    })
    expect(quota.status).toBe(200)
    try {
      const { car } = await packCar([{ path: 'too-big.bin', content: pattern(6_000_000, 3) }], { wrap: false })
      let offset = 0
      const body = new ReadableStream<Uint8Array>({
        pull (controller) {
          if (offset >= car.byteLength) { controller.close(); return }
          controller.enqueue(car.subarray(offset, offset + 64 * 1024))
          offset += 64 * 1024
        }
      })
      const response = await fetch(`${cafe.url}/api/v0/pinning/car`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.ipld.car' },
        body,
        duplex: 'half'
      } as RequestInit)
      expect(response.status).toBe(413)
      expect(await response.json()).toMatchObject({ error: { reason: 'QUOTA_EXCEEDED' } })
      expect(await cafe.answers()).toBe(true)
    } finally {
      await fetch(`${cafe.url}/api/v0/clients/${device.client.account}/quota`, { method: 'DELETE', headers: { authorization: `Bearer ${cafe.ownerSecret}` } })
    }
  })

  it('with DEBUG=cafe:* the decryption key is never written, whatever happens to the ?key= request', async () => {
    const path = `/ipfs/${secretRoot}?key=${keyText}`
    const statuses = [
      (await fetch(`${cafe.url}${path}`)).status,
      (await fetch(`${cafe.url}${path}`, { headers: { range: 'bytes=10-20' } })).status,
      (await fetch(`${cafe.url}${path}`, { method: 'POST', body: 'x' })).status,
      (await send(`TRACE ${path} HTTP/1.1\r\nhost: x\r\n\r\n`)).status,
      (await send(`GET ${path}&format=car HTTP/1.1\r\nhost: x\r\n\r\n`, { dropAfter: 1 })).status,
      (await send(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`, { dropAfter: 1000 })).status,
      (await send(`GET /ipfs/${secretRoot}/%ff?key=${keyText} HTTP/1.1\r\nhost: x\r\n\r\n`)).status,
      (await fetch(`${cafe.url}/api/v0/nothing?key=${keyText}`)).status
    ]
    await new Promise(resolve => setTimeout(resolve, 300))
    const log = cafe.stderr()
    expect(log).not.toContain(keyText)
    expect(log).not.toContain(encodeURIComponent(keyText))
    // logging was on, and did print these URLs, redacted
    expect(log).toMatch(/cafe:http-server/)
    expect(log).toContain('key=[redacted]')
    expect(statuses.slice(0, 4)).toEqual([200, 206, 405, 405])
    expect(statuses[7]).toBe(404)
    expect(statuses.every(status => status > 0 && status < 500)).toBe(true)
  })
})

describe('serveFetch holds its header and request timeouts as configured', () => {
  let server: FetchServer | undefined
  afterEach(async () => { await server?.close(100); server = undefined })

  it('a client that never finishes its headers gets a JSON 408 about when headersTimeoutMs has passed', async () => {
    server = await serveFetch(async () => new Response('ok'), { port: 0, logger: defaultLogger(), limits: { headersTimeoutMs: 1_000, requestTimeoutMs: 5_000 } })
    const started = Date.now()
    const answer = await rawRequest(server.port, 'GET / HTTP/1.1\r\nhost: x\r\nx-slow: 1\r\n', { timeoutMs: 10_000, untilComplete: false })
    const took = Date.now() - started
    expect(answer.status).toBe(408)
    expect(json(answer)).toMatchObject({ error: { code: 'REQUEST_TIMEOUT' } })
    expect(took).toBeGreaterThanOrEqual(950)
    expect(took).toBeLessThan(2_000)
  })

  it('a body that trickles in past requestTimeoutMs gets a JSON 408 in time', async () => {
    server = await serveFetch(async request => new Response(await request.text()), { port: 0, logger: defaultLogger(), limits: { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 } })
    const started = Date.now()
    const answer = await new Promise<RawResponse>(resolve => {
      const pending = rawRequest(server!.port, 'POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nab', { timeoutMs: 10_000, untilComplete: false })
      void pending.then(resolve)
    })
    const took = Date.now() - started
    expect(answer.status).toBe(408)
    expect(json(answer)).toMatchObject({ error: { code: 'REQUEST_TIMEOUT' } })
    expect(took).toBeLessThan(3_200)
  })
})

describe('the headless entry keeps serving past an error nothing handled', () => {
  it('logs a stray rejection and exception, keys redacted, and the process lives on', async () => {
    const { execFile } = await import('node:child_process')
    const script = `
      const { keepServingOnStrayErrors } = await import('./scripts/cafe.ts')
      keepServingOnStrayErrors()
      Promise.reject(new Error('GET /ipfs/x?key=SECRETKEY1 failed'))
      setTimeout(() => { throw new TypeError('boom at /ipfs/y?key=SECRETKEY2') }, 10)
      setTimeout(() => { console.log('still serving') }, 200)`
    const { stdout, stderr, code } = await new Promise<{ stdout: string, stderr: string, code: number | null }>(resolve => {
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 20_000 }, (err, stdout, stderr) => {
        resolve({ stdout, stderr, code: err == null ? 0 : (err as { code?: number }).code ?? 1 })
      })
    })
    expect(code).toBe(0)
    expect(stdout).toContain('still serving')
    expect(stderr).toContain('unhandled rejection (the cafe keeps serving): Error: GET /ipfs/x?key=[redacted] failed')
    expect(stderr).toContain('uncaught exception (the cafe keeps serving): TypeError: boom at /ipfs/y?key=[redacted]')
    expect(stderr).not.toMatch(/SECRETKEY/)
  })
})
