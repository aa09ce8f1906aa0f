import { afterEach, describe, expect, it } from 'vitest'
import { request as httpRequest } from 'node:http'
import { defaultLogger } from '@libp2p/logger'
import { jsonParts, standardResponse, type JsonParts } from '../../src/core/api/respond.ts'
import { serveFetch, type FetchServer } from '../../src/headless/http-server.ts'
import { BodilessRequest } from '../../src/headless/incoming-request.ts'
import { TextResponse, textResponse } from '../../src/headless/text-response.ts'

const RAW = ['Host', '127.0.0.1:1', 'Accept', 'application/json', 'X-Many', ' one ', 'x-many', 'two', 'Authorization', 'Bearer abc']

describe('a bodiless request read lazily from node:http', () => {
  it('answers like undici\'s Request made from the same line and headers', async () => {
    const controller = new AbortController()
    const light = new BodilessRequest('http://127.0.0.1:1/api/v0/cafe?a=1', 'GET', RAW, controller.signal)
    const headers = new Headers()
    for (let i = 0; i < RAW.length; i += 2) headers.append(RAW[i], RAW[i + 1])
    const standard = new Request('http://127.0.0.1:1/api/v0/cafe?a=1', { headers, signal: controller.signal })
    expect(light.url).toBe(standard.url)
    expect(light.method).toBe(standard.method)
    for (const name of ['accept', 'ACCEPT', 'x-many', 'authorization', 'missing']) {
      expect(light.headers.get(name)).toBe(standard.headers.get(name))
      expect(light.headers.has(name)).toBe(standard.headers.has(name))
    }
    expect([...light.headers]).toEqual([...standard.headers])
    expect(light.body).toBe(null)
    expect(light.bodyUsed).toBe(false)
    expect(await light.text()).toBe('')
    expect((await light.arrayBuffer()).byteLength).toBe(0)
    expect([light.cache, light.mode, light.redirect, light.credentials]).toEqual([standard.cache, standard.mode, standard.redirect, standard.credentials])
    const clone = light.clone()
    expect(clone).toBeInstanceOf(Request)
    expect(clone.headers.get('x-many')).toBe('one, two')
    controller.abort()
    expect(light.signal.aborted).toBe(true)
  })
})

describe('a JSON answer as a light Response', () => {
  const cases: JsonParts[] = [
    jsonParts(200, { peerId: 'x', list: [1, 2], text: 'é ✓' }),
    jsonParts(201, { ok: true }, { 'x-extra': 'yes' }),
    jsonParts(200, undefined),
    jsonParts(202, undefined)
  ]

  it('reads as the standard Response of the same parts: status, headers, text, JSON, bytes, the body stream', async () => {
    for (const parts of cases) {
      const standard = standardResponse(parts)
      expect(textResponse(parts).status).toBe(standard.status)
      expect(textResponse(parts).ok).toBe(standard.ok)
      expect([...textResponse(parts).headers]).toEqual([...standard.headers])
      expect(await textResponse(parts).text()).toBe(await standardResponse(parts).text())
      expect(new Uint8Array(await textResponse(parts).arrayBuffer())).toEqual(new Uint8Array(await standardResponse(parts).arrayBuffer()))
      expect(await textResponse(parts).bytes()).toEqual(await standardResponse(parts).bytes())
      expect(await textResponse(parts).blob().then(async blob => [blob.type, await blob.text()])).toEqual(await standardResponse(parts).blob().then(async blob => [blob.type, await blob.text()]))
      if (parts.text != null) expect(await textResponse(parts).json()).toEqual(await standardResponse(parts).json())
      const body = textResponse(parts).body
      expect(body == null).toBe(standard.body == null)
      if (body != null) expect(await new Response(body).text()).toBe(parts.text)
    }
  })

  it('a body reads once, whichever way it is read', async () => {
    const response = textResponse(cases[0])
    expect(await response.json()).toMatchObject({ peerId: 'x' })
    expect(response.bodyUsed).toBe(true)
    await expect(response.text()).rejects.toThrow(TypeError)
    const streamed = textResponse(cases[0])
    await new Response(streamed.body).text()
    expect(streamed.bodyUsed).toBe(true)
    await expect(streamed.text()).rejects.toThrow(TypeError)
  })
})

describe('serveFetch writes a light answer as it writes the standard one', () => {
  let server: FetchServer | undefined
  afterEach(async () => { await server?.close(100); server = undefined })

  async function raw (url: string, method = 'GET'): Promise<{ status: number, headers: Record<string, unknown>, body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { method }, res => {
        const chunks: Buffer[] = []
        res.on('data', chunk => chunks.push(chunk))
        res.on('end', () => {
          const { date: _date, ...headers } = res.headers
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString() })
        })
      })
      req.on('error', reject)
      req.end()
    })
  }

  it('the same status line, headers (with Content-Length) and body bytes, for every kind of JSON answer', async () => {
    server = await serveFetch(async request => {
      const url = new URL(request.url)
      const parts = cases[Number(url.searchParams.get('case'))]
      return url.pathname === '/light' ? new TextResponse(parts.status, parts.headers, parts.text) : standardResponse(parts)
    }, { port: 0, logger: defaultLogger() })
    const cases = [jsonParts(200, { a: 'é ✓', n: [1, 2, 3] }), jsonParts(201, { ok: true }, { 'x-extra': 'yes' }), jsonParts(200, undefined)]
    for (let i = 0; i < cases.length; i++) {
      const light = await raw(`${server.url}/light?case=${i}`)
      expect(light).toEqual(await raw(`${server.url}/standard?case=${i}`))
      if (cases[i].text != null) expect(light.headers['content-length']).toBe(String(Buffer.byteLength(cases[i].text as string)))
    }
  })

  it('a header changed through `headers` after the answer was made is the one written', async () => {
    server = await serveFetch(async () => {
      const parts = jsonParts(200, { ok: true }, { 'x-extra': 'before' })
      const response = new TextResponse(parts.status, parts.headers, parts.text)
      response.headers.set('x-extra', 'after')
      response.headers.set('x-added', 'yes')
      return response
    }, { port: 0, logger: defaultLogger() })
    const answer = await raw(`${server.url}/`)
    expect(answer.headers['x-extra']).toBe('after')
    expect(answer.headers['x-added']).toBe('yes')
    expect(answer.body).toBe('{"ok":true}')
  })
})
