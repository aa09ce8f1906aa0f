import { describe, expect, it } from 'vitest'
import { Shell, shellFiles, SHELL_CACHE_PREFIX } from '../../src/sw/shell.ts'

const ORIGIN = 'http://cafe.test'

/** The Cache API, enough of it: one map per cache, keyed by path. */
function fakeCaches (): CacheStorage & { stores: Map<string, Map<string, string>> } {
  const stores = new Map<string, Map<string, string>>()
  const cache = (store: Map<string, string>): Cache => ({
    async addAll (requests: Request[]) {
      for (const request of requests) store.set(new URL(request.url, ORIGIN).pathname, `cached ${new URL(request.url, ORIGIN).pathname}`)
    },
    async match (path: string) {
      const body = store.get(new URL(path, ORIGIN).pathname)
      return body == null ? undefined : new Response(body)
    }
  }) as unknown as Cache
  return {
    stores,
    async open (name: string) {
      if (!stores.has(name)) stores.set(name, new Map())
      return cache(stores.get(name)!)
    },
    async keys () { return [...stores.keys()] },
    async delete (name: string) { return stores.delete(name) }
  } as unknown as CacheStorage & { stores: Map<string, Map<string, string>> }
}

const navigation = (path: string): Request => {
  const request = new Request(ORIGIN + path)
  Object.defineProperty(request, 'mode', { value: 'navigate' })
  return request
}

const down = async (): Promise<Response> => { throw new TypeError('Failed to fetch') }
const FILES = ['/', '/client.html', '/assets/main-abc.js']

describe('the site shell in the Service Worker', () => {
  it('reads the file list the build sets, and none in dev', () => {
    expect(shellFiles({ __CAFE_SHELL_FILES__: ['/', '/assets/a.js', 'bad'] })).toEqual(['/', '/assets/a.js'])
    expect(shellFiles({})).toEqual([])
  })

  it('opens the cached page at once when the server is down', async () => {
    const caches = fakeCaches()
    const shell = new Shell({ origin: ORIGIN, caches, fetch: down }, { files: FILES })
    await shell.install()
    expect(await (await shell.serve(navigation('/index.html?x=1'))).text()).toBe('cached /')
    expect(await (await shell.serve(navigation('/client.html'))).text()).toBe('cached /client.html')
  })

  it('serves the server\'s page while it answers', async () => {
    const shell = new Shell({ origin: ORIGIN, caches: fakeCaches(), fetch: async () => new Response('fresh') }, { files: FILES })
    await shell.install()
    expect(await (await shell.serve(navigation('/'))).text()).toBe('fresh')
  })

  it('serves the cached page when the server is too slow, and waits when there is none', async () => {
    const slow = async (): Promise<Response> => new Promise(resolve => setTimeout(() => resolve(new Response('late')), 200))
    const shell = new Shell({ origin: ORIGIN, caches: fakeCaches(), fetch: slow }, { files: FILES, networkTimeoutMs: 20 })
    await shell.install()
    expect(await (await shell.serve(navigation('/'))).text()).toBe('cached /')
    expect(await (await shell.serve(navigation('/other.html'))).text()).toBe('late')
  })

  it('takes hashed assets from the cache without asking the server', async () => {
    let asked = 0
    const shell = new Shell({ origin: ORIGIN, caches: fakeCaches(), fetch: async () => { asked++; return new Response('net') } }, { files: FILES })
    await shell.install()
    expect(await (await shell.serve(new Request(ORIGIN + '/assets/main-abc.js'))).text()).toBe('cached /assets/main-abc.js')
    expect(asked).toBe(0)
  })

  it('shows an error page for a page it never had while the server is down', async () => {
    const shell = new Shell({ origin: ORIGIN, caches: fakeCaches(), fetch: down }, { files: FILES })
    await shell.install()
    const response = await shell.serve(navigation('/nowhere.html'))
    expect(response.status).toBe(503)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await response.text()).toContain('This page could not be loaded')
  })

  it('answers only GET navigations and the shell\'s own files', () => {
    const shell = new Shell({ origin: ORIGIN, caches: fakeCaches(), fetch: down }, { files: FILES })
    expect(shell.handles(navigation('/anything'))).toBe(true)
    expect(shell.handles(new Request(ORIGIN + '/assets/main-abc.js'))).toBe(true)
    expect(shell.handles(new Request(ORIGIN + '/favicon.ico'))).toBe(false)
    expect(shell.handles(new Request(ORIGIN + '/', { method: 'POST' }))).toBe(false)
  })

  it('installs without an offline copy when the files cannot be cached', async () => {
    const caches = fakeCaches()
    caches.open = async () => { throw new DOMException('quota', 'QuotaExceededError') }
    const shell = new Shell({ origin: ORIGIN, caches, fetch: down }, { files: FILES })
    expect(await shell.install()).toBe(false)
    expect((await shell.serve(navigation('/'))).status).toBe(503)
  })

  it('drops the caches of older builds', async () => {
    const caches = fakeCaches()
    await new Shell({ origin: ORIGIN, caches, fetch: down }, { files: ['/', '/assets/old.js'] }).install()
    const shell = new Shell({ origin: ORIGIN, caches, fetch: down }, { files: FILES })
    await shell.install()
    await caches.open('unrelated')
    await shell.removeOld()
    expect([...caches.stores.keys()].filter(name => name.startsWith(SHELL_CACHE_PREFIX))).toHaveLength(1)
    expect(caches.stores.has('unrelated')).toBe(true)
  })
})
