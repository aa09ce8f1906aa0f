/**
 * The site's own files (index.html, client.html, their hashed assets) kept in the Cache
 * API, so a page opens while the static server is down. It also keeps a navigation from
 * hanging: after a browser restart, Chromium (156) stalls for 20-120 s a navigation that
 * the fetch handler leaves to the network (no `respondWith`) when the server is down,
 * while a `fetch()` from the Service Worker fails in under 10 ms (measured). So every
 * navigation of the origin is answered here: network first, then the cached shell, then
 * an error page.
 */
import { errorPage } from './error-page.ts'

/** The global the build sets at the top of sw.js to the shell's paths (vite.config.ts). */
export const SHELL_GLOBAL = '__CAFE_SHELL_FILES__'

export const SHELL_CACHE_PREFIX = 'cafe-shell-'

/** How long a shell page may wait for the server before the cached copy is served. */
export const SHELL_NETWORK_TIMEOUT_MS = 3_000

/** The shell's paths as the build lists them; none in dev, where nothing is cached. */
export function shellFiles (scope: object = globalThis): string[] {
  const files = (scope as Record<string, unknown>)[SHELL_GLOBAL]
  return Array.isArray(files) ? files.filter((path): path is string => typeof path === 'string' && path.startsWith('/')) : []
}

/** '/' and '/index.html' are one page. */
function shellPath (url: string): string {
  const path = new URL(url).pathname
  return path === '/index.html' ? '/' : path
}

export interface ShellComponents {
  /** the origin the paths are on */
  origin: string
  caches: CacheStorage
  fetch(request: Request): Promise<Response>
}

export interface ShellOptions {
  files?: string[]
  networkTimeoutMs?: number
}

export class Shell {
  private readonly components: ShellComponents
  private readonly files: Set<string>
  private readonly cacheName: string
  private readonly networkTimeoutMs: number

  constructor (components: ShellComponents, options: ShellOptions = {}) {
    this.components = components
    const files = options.files ?? shellFiles()
    this.files = new Set(files)
    // the file names carry content hashes: a new build is a new cache
    this.cacheName = SHELL_CACHE_PREFIX + hashOf(files.join(','))
    this.networkTimeoutMs = options.networkTimeoutMs ?? SHELL_NETWORK_TIMEOUT_MS
  }

  /**
   * Fills the cache (the install step): all files or none. A failure does not fail the
   * install: the gateway matters more than an offline copy of the pages.
   */
  async install (): Promise<boolean> {
    if (this.files.size === 0) return false
    try {
      const cache = await this.components.caches.open(this.cacheName)
      await cache.addAll([...this.files].map(path => new Request(new URL(path, this.components.origin), { cache: 'reload' })))
      return true
    } catch {
      return false
    }
  }

  /** Drops the caches of older builds (the activate step). */
  async removeOld (): Promise<void> {
    for (const name of await this.components.caches.keys()) {
      if (name.startsWith(SHELL_CACHE_PREFIX) && name !== this.cacheName) await this.components.caches.delete(name)
    }
  }

  /** Whether this Service Worker answers `request` here (a GET navigation, or a shell file). */
  handles (request: Request): boolean {
    if (request.method !== 'GET') return false
    return request.mode === 'navigate' || this.files.has(shellPath(request.url))
  }

  async serve (request: Request): Promise<Response> {
    const path = shellPath(request.url)
    const cached = async (): Promise<Response | undefined> => {
      if (!this.files.has(path)) return undefined
      // a query string does not change the shell; a broken cache is a miss
      return this.components.caches.open(this.cacheName)
        .then(async cache => cache.match(new URL(path, this.components.origin).href, { ignoreSearch: true }))
        .catch(() => undefined)
    }
    // hashed assets never change under their name
    if (path.startsWith('/assets/')) {
      const hit = await cached()
      if (hit != null) return hit
    }
    const network = this.components.fetch(request)
    network.catch(() => {}) // it may settle after a cached copy was served
    let timer: ReturnType<typeof setTimeout> | undefined
    const slow = new Promise<'slow'>(resolve => { timer = setTimeout(() => resolve('slow'), this.networkTimeoutMs) })
    try {
      const first = await Promise.race([network, slow])
      if (first !== 'slow') return first
      // a slow server: the cached copy if there is one, else keep waiting for the server
      return (await cached()) ?? await network
    } catch (err) {
      const hit = await cached()
      if (hit != null) return hit
      if (request.mode !== 'navigate') return Response.error()
      return this.offlinePage(request, err)
    } finally {
      clearTimeout(timer)
    }
  }

  private async offlinePage (request: Request, err: unknown): Promise<Response> {
    const message = `the site's server did not answer (${(err as Error)?.message ?? String(err)})`
    return errorPage(request, new Response(message, { status: 503 }), {
      headline: 'This page could not be loaded',
      advice: 'The server that hosts the cafe site is not reachable. Check that it is running, then try again.'
    })
  }
}

/** A short, stable name for a list of file names (FNV-1a, 32 bit). */
function hashOf (text: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash.toString(36)
}
