import { describe, expect, it } from 'vitest'
import { defineRoute, defineStreamRoute } from '../../src/core/api/route.ts'
import { requiredString } from '../../src/core/api/validate.ts'
import { cafeRoutes, cafeStreamRoutes } from '../../src/core/routes.ts'
import { defineService, integerKey } from '../../src/core/service.ts'
import { createTestCafe } from '../client/fixtures.ts'
import { CAFE_PROTOCOL } from '../../src/core/api/protocol.ts'
import { INBOX_PUSH_PROTOCOL } from '../../src/core/inbox/routes.ts'
import { CAR_PROTOCOL } from '../../src/core/pinning/routes.ts'
import type { ProtocolHost } from '../../src/core/api/libp2p.ts'
import type { CafeServiceFactory } from '../../src/core/service.ts'
import type { StreamHandlerOptions } from '@libp2p/interface'

/** A whole service in a few lines: what docs/ARCHITECTURE.md shows. */
const echoService = defineService<{ maxLength?: number }>({
  maxLength: integerKey('longest text echoed (default 64)', 1)
}, (init = {}) => () => ({
  provides: { echo: { maxLength: init.maxLength ?? 64 } },
  routes: [
    defineRoute({
      op: 'echo.say',
      method: 'POST',
      path: '/api/v0/echo',
      auth: 'none',
      summary: 'says the text back',
      input: raw => ({ text: requiredString(raw, 'text', 1024) }),
      handler: async ({ services, input }: { services: { echo: { maxLength: number } }, input: { text: string } }) => ({ text: input.text.slice(0, services.echo.maxLength) })
    })
  ],
  streams: [
    defineStreamRoute({
      op: 'echo.count',
      protocol: '/cafe/test-echo/1.0.0',
      auth: 'access',
      summary: 'counts the bytes uploaded',
      rateLimit: 'streams',
      maxInboundStreams: 2,
      timeoutMs: 10_000,
      http: { method: 'POST', path: '/api/v0/echo/count', contentType: 'application/octet-stream' },
      input: () => ({}),
      handler: async ({ body, account }) => {
        let bytes = 0
        for await (const chunk of body) bytes += chunk.byteLength
        return { account, bytes }
      }
    })
  ]
}))

async function json (response: Response): Promise<{ status: number, body: any }> {
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
}

describe('cafe services', () => {
  it('a service added with one line serves its routes on the HTTP door and to the API, with its settings', async () => {
    const { cafe } = await createTestCafe(undefined, undefined, { cafe: { services: { echo: echoService({ maxLength: 5 }) } } })
    const answer = await json(await cafe.http.fetch(new Request('http://cafe.test/api/v0/echo', { method: 'POST', body: JSON.stringify({ text: 'hello world' }) })))
    expect(answer).toEqual({ status: 200, body: { text: 'hello' } })
    expect(await cafe.api.call({ op: 'echo.say', input: { text: 'hi' } })).toEqual({ text: 'hi' })
    // its input checks and the door's JSON errors come with it
    expect(await json(await cafe.http.fetch(new Request('http://cafe.test/api/v0/echo', { method: 'POST', body: '{}' })))).toMatchObject({ status: 400, body: { error: { code: 'INPUT_INVALID' } } })
    // the built-in services are still there
    expect((await json(await cafe.http.fetch(new Request('http://cafe.test/api/v0/cafe')))).status).toBe(200)
  })

  it('a service\'s stream route takes an HTTP upload only with an access token', async () => {
    const { cafe } = await createTestCafe(undefined, undefined, { cafe: { services: { echo: echoService() } } })
    const upload = new Request('http://cafe.test/api/v0/echo/count', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(1000) })
    expect(await json(await cafe.http.fetch(upload))).toMatchObject({ status: 401 })
  })

  it('a service can be left out, and two services cannot provide the same name', async () => {
    const { cafe } = await createTestCafe(undefined, undefined, { cafe: { services: { directory: false } } })
    expect((await cafe.http.fetch(new Request('http://cafe.test/api/v0/directory/search?q=a'))).status).toBe(404)
    const twin: CafeServiceFactory = () => ({ provides: { inbox: {} } })
    await expect(createTestCafe(undefined, undefined, { cafe: { services: { twin } } })).rejects.toThrow(/provides inbox/)
  })

  it('the cafe serves the API protocol and every stream route\'s protocol with its declared limits, and stops serving them', async () => {
    const { cafe } = await createTestCafe(undefined, undefined, { cafe: { services: { echo: echoService() } } })
    const handled = new Map<string, StreamHandlerOptions | undefined>()
    const host: ProtocolHost = {
      handle: async (protocol, _handler, options) => { handled.set(protocol, options) },
      unhandle: async protocol => { handled.delete(protocol) }
    }
    const stop = await cafe.handleProtocols(host)
    expect(Object.fromEntries([...handled].map(([protocol, options]) => [protocol, options?.maxInboundStreams]))).toEqual({
      [CAFE_PROTOCOL]: 32,
      [CAR_PROTOCOL]: 4,
      [INBOX_PUSH_PROTOCOL]: 8,
      '/cafe/test-echo/1.0.0': 2
    })
    expect([...handled.values()].every(options => options?.runOnLimitedConnection === true)).toBe(true)
    await stop()
    expect(handled.size).toBe(0)
  })

  it('the route list the client and docs use is exactly what the default services serve', async () => {
    const { cafe } = await createTestCafe()
    expect(cafe.api.routes.map(route => route.op).sort()).toEqual(cafeRoutes.map(route => route.op).sort())
    expect(cafeStreamRoutes.map(route => route.op).sort()).toEqual(['inbox.subscribe', 'pins.car'])
  })
})
