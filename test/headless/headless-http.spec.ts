import { afterEach, describe, expect, it } from 'vitest'
import { request as httpRequest } from 'node:http'
import { defaultLogger } from '@libp2p/logger'
import { serveFetch, type FetchHandler, type FetchServer, type HttpServerLimits } from '../../src/headless/http-server.ts'

const CHUNK = 64 * 1024

async function serve (handler: FetchHandler, limits?: HttpServerLimits): Promise<FetchServer> {
  return serveFetch(handler, { port: 0, limits, logger: defaultLogger() })
}

async function until (check: () => boolean, ms = 2_000): Promise<void> {
  const started = Date.now()
  while (!check()) {
    if (Date.now() - started > ms) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

/** An endless body that counts how far the server pulled it and whether it was cancelled. */
function endless (): { stream: ReadableStream<Uint8Array>, pulled: () => number, cancelled: () => boolean } {
  let pulls = 0
  let cancelled = false
  const stream = new ReadableStream<Uint8Array>({
    pull (controller) { pulls++; controller.enqueue(new Uint8Array(CHUNK)) },
    cancel () { cancelled = true }
  }, { highWaterMark: 0 })
  return { stream, pulled: () => pulls, cancelled: () => cancelled }
}

describe('serveFetch: node:http to fetch handlers', () => {
  let server: FetchServer | undefined
  afterEach(async () => { await server?.close(100); server = undefined })

  it('hands the handler a standard Request with the path, query, headers, streamed body and the client IP', async () => {
    let seen: { url: string, method: string, header: string | null, body: string, remote: string } | undefined
    server = await serve(async (request, { remote }) => {
      seen = { url: request.url, method: request.method, header: request.headers.get('x-test'), body: await request.text(), remote }
      return new Response('ok', { status: 201, headers: { 'x-answer': 'yes' } })
    })
    const response = await fetch(`${server.url}/api/v0/thing?a=1`, { method: 'PUT', headers: { 'x-test': 'hello' }, body: 'payload' })
    expect(response.status).toBe(201)
    expect(response.headers.get('x-answer')).toBe('yes')
    expect(await response.text()).toBe('ok')
    expect(seen).toEqual({ url: `${server.url}/api/v0/thing?a=1`, method: 'PUT', header: 'hello', body: 'payload', remote: '127.0.0.1' })
  })

  it('a client that goes away mid-response aborts the handler\'s signal and cancels the body', async () => {
    const body = endless()
    let signal: AbortSignal | undefined
    server = await serve(async (_request, options) => { signal = options.signal; return new Response(body.stream) })
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${server!.url}/stream`, res => { res.once('data', () => { req.destroy(); resolve() }) })
      req.on('error', err => { if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err) })
      req.end()
    })
    await until(() => body.cancelled())
    expect(signal?.aborted).toBe(true)
    const pulls = body.pulled()
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(body.pulled()).toBe(pulls)
  })

  it('a slow reader holds the response back: the body is pulled only as the socket drains', async () => {
    const body = endless()
    server = await serve(async () => new Response(body.stream))
    const req = httpRequest(`${server.url}/slow`, res => { res.pause() })
    req.on('error', () => {})
    req.end()
    await until(() => body.pulled() > 0)
    await new Promise(resolve => setTimeout(resolve, 300))
    // socket buffers hold a few MB at most; an unbounded server would have pulled hundreds of MB
    expect(body.pulled() * CHUNK).toBeLessThan(32 * 1024 * 1024)
    req.destroy()
    await until(() => body.cancelled())
  })

  it('a declared body over the limit is 413 before the handler runs; a longer stream is cut', async () => {
    let calls = 0
    server = await serve(async request => {
      calls++
      try {
        await request.arrayBuffer()
        return new Response('read')
      } catch (err) {
        return new Response((err as Error).message, { status: (err as { status?: number }).status ?? 500 })
      }
    }, { maxBodyBytes: 1024 })
    const declared = await fetch(`${server.url}/upload`, { method: 'POST', body: new Uint8Array(2048) })
    expect(declared.status).toBe(413)
    expect(await declared.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } })
    expect(calls).toBe(0)

    const streamed = await fetch(`${server.url}/upload`, {
      method: 'POST',
      body: new ReadableStream({ start (c) { for (let i = 0; i < 4; i++) c.enqueue(new Uint8Array(512)); c.close() } }),
      duplex: 'half'
    } as RequestInit).catch(err => err as Error)
    // the server either answers 413 or, having destroyed the request, resets the connection
    if (streamed instanceof Response) expect(streamed.status).toBe(413)
    else expect(streamed).toBeInstanceOf(Error)
    expect(calls).toBe(1)
    expect(await (await fetch(`${server.url}/upload`, { method: 'POST', body: 'small' })).text()).toBe('read')
  })

  it('a handler that throws gets a JSON 500, and the server keeps serving', async () => {
    let fail = true
    server = await serve(async () => {
      if (fail) { fail = false; throw new Error('boom') }
      return new Response('fine')
    })
    const failed = await fetch(`${server.url}/x`)
    expect(failed.status).toBe(500)
    expect(await failed.json()).toEqual({ error: { code: 'INTERNAL', message: 'the request failed' } })
    expect(await (await fetch(`${server.url}/x`)).text()).toBe('fine')
  })

  it('a body that fails mid-stream cuts the connection instead of ending it cleanly', async () => {
    server = await serve(async () => new Response(new ReadableStream({
      start (c) { c.enqueue(new Uint8Array(10)) },
      pull (c) { c.error(new Error('disk gone')) }
    }), { headers: { 'content-length': '100' } }))
    await expect(fetch(`${server.url}/broken`).then(async response => response.arrayBuffer())).rejects.toThrow()
  })

  it('close() ends idle keep-alive connections and returns promptly', async () => {
    server = await serve(async () => new Response('x'))
    await (await fetch(`${server.url}/`)).text() // leaves an idle keep-alive socket
    const started = performance.now()
    await server.close()
    expect(performance.now() - started).toBeLessThan(1_000)
    server = undefined
  })
})
