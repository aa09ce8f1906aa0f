/**
 * serveFetch sends a short answer the way a bare node:http server does: one write with its
 * Content-Length, not chunked; a body still streaming when the headers go out stays chunked
 * and arrives whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request as httpRequest } from 'node:http'
import { defaultLogger } from '@libp2p/logger'
import { serveFetch, type FetchServer } from '../../src/headless/http-server.ts'

async function get (url: string): Promise<{ headers: Record<string, unknown>, body: string }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', chunk => { body += chunk })
      res.on('end', () => { resolve({ headers: res.headers, body }) })
    }).on('error', reject).end()
  })
}

describe('the headless HTTP server sends short answers with their length', () => {
  let server: FetchServer
  beforeAll(async () => {
    server = await serveFetch(async (request) => {
      const path = new URL(request.url).pathname
      if (path === '/json') return Response.json({ hello: 'cafe' })
      if (path === '/two') return new Response(new Blob(['a'.repeat(70_000), 'b'.repeat(70_000)]).stream())
      if (path === '/empty') return new Response(null, { status: 204 })
      // a slow stream: its second chunk comes later than the next turn
      return new Response(new ReadableStream({
        async start (controller) {
          controller.enqueue(new TextEncoder().encode('first,'))
          await new Promise(resolve => setTimeout(resolve, 50))
          controller.enqueue(new TextEncoder().encode('second'))
          controller.close()
        }
      }))
    }, { port: 0, host: '127.0.0.1', logger: defaultLogger() })
  })
  afterAll(async () => { await server.close() })

  it('a JSON answer carries Content-Length and no chunked encoding', async () => {
    const { headers, body } = await get(`${server.url}/json`)
    expect(body).toBe('{"hello":"cafe"}')
    expect(headers['content-length']).toBe(String(body.length))
    expect(headers['transfer-encoding']).toBeUndefined()
  })

  it('a body of two chunks ready at once is sent whole with its length', async () => {
    const { headers, body } = await get(`${server.url}/two`)
    expect(body).toBe('a'.repeat(70_000) + 'b'.repeat(70_000))
    expect(body.length).toBe(140_000)
    if (headers['content-length'] != null) expect(headers['content-length']).toBe('140000')
  })

  it('a slow stream is sent chunked and arrives whole', async () => {
    const { headers, body } = await get(`${server.url}/slow`)
    expect(body).toBe('first,second')
    expect(headers['transfer-encoding']).toBe('chunked')
  })

  it('an empty answer has no body', async () => {
    const { body } = await get(`${server.url}/empty`)
    expect(body).toBe('')
  })
})
