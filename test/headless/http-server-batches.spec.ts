/**
 * serveFetch writes the chunks a body already holds together (one writev): the client gets
 * the same bytes in the same order, a body that fails half-way is still cut (never a clean
 * short answer), and backpressure still holds.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { request as httpRequest } from 'node:http'
import { defaultLogger } from '@libp2p/logger'
import { serveFetch, type FetchServer } from '../../src/headless/http-server.ts'

/** `count` chunks of `size` bytes, each filled with its own index, queued `ready` at a time. */
function numbered (count: number, size: number, ready: number, failAt?: number): ReadableStream<Uint8Array> {
  let i = 0
  return new ReadableStream<Uint8Array>({
    async pull (controller) {
      if (i === failAt) { controller.error(new Error('the source broke')); return }
      if (i === count) { controller.close(); return }
      // every `ready` chunks the source pauses, so some reads are ready and some are not
      if (i % ready === 0) await new Promise(resolve => setTimeout(resolve, 1))
      controller.enqueue(new Uint8Array(size).fill(i++ % 251))
    }
  }, { highWaterMark: ready })
}

async function fetchRaw (url: string): Promise<{ body: Buffer, complete: boolean, error?: string }> {
  return new Promise(resolve => {
    const chunks: Buffer[] = []
    const req = httpRequest(url, res => {
      res.on('data', chunk => chunks.push(chunk))
      res.on('end', () => { resolve({ body: Buffer.concat(chunks), complete: res.complete }) })
      res.on('error', err => { resolve({ body: Buffer.concat(chunks), complete: false, error: err.message }) })
    })
    req.on('error', err => { resolve({ body: Buffer.concat(chunks), complete: false, error: err.message }) })
    req.end()
  })
}

describe('serveFetch writes ready chunks together', () => {
  let server: FetchServer | undefined
  afterEach(async () => { await server?.close(100); server = undefined })

  it('a body of many small chunks arrives whole and in order', async () => {
    const count = 600
    const size = 4096
    server = await serveFetch(async () => new Response(numbered(count, size, 16)), { port: 0, logger: defaultLogger() })
    const { body, complete } = await fetchRaw(`${server.url}/x`)
    expect(complete).toBe(true)
    expect(body.byteLength).toBe(count * size)
    for (let i = 0; i < count; i++) expect(body[i * size], `chunk ${i}`).toBe(i % 251)
  })

  it('chunks larger than a batch, ready at once, arrive whole and in order', async () => {
    const size = 700 * 1024
    server = await serveFetch(async () => new Response(numbered(8, size, 4)), { port: 0, logger: defaultLogger() })
    const { body } = await fetchRaw(`${server.url}/x`)
    expect(body.byteLength).toBe(8 * size)
    for (let i = 0; i < 8; i++) expect(body[i * size + size - 1]).toBe(i)
  })

  it('a body that fails after some chunks is cut: the client never sees a complete answer', async () => {
    server = await serveFetch(async () => new Response(numbered(100, 64 * 1024, 8, 40)), { port: 0, logger: defaultLogger() })
    const { body, complete } = await fetchRaw(`${server.url}/x`)
    expect(complete).toBe(false)
    expect(body.byteLength).toBeLessThan(100 * 64 * 1024)
    // the server lives on
    server.server.closeAllConnections()
  })
})
