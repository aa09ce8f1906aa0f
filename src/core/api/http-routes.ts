/**
 * Finds a route by HTTP method and path. Path patterns are compiled once;
 * `:name` segments match one URL segment and become input fields.
 */
import type { HttpMethod } from './route.ts'

/** What the table needs of an entry: its method and path pattern. */
export interface HttpEntry { method: HttpMethod, path: string }

export interface HttpMatch<R extends HttpEntry> {
  route: R
  params: Record<string, string>
}

export type HttpLookup<R extends HttpEntry> =
  | { found: true, match: HttpMatch<R> }
  | { found: false, allowed: HttpMethod[] }

interface Compiled<R> { route: R, pattern: RegExp, names: string[] }

export class HttpRouteTable<R extends HttpEntry> {
  private readonly compiled: Array<Compiled<R>>
  /** every fixed path (with and without a trailing slash) → the entries, in order, whose pattern matches it */
  private readonly fixed = new Map<string, Array<Compiled<R>>>()

  constructor (routes: readonly R[]) {
    this.compiled = routes.map(route => {
      const names: string[] = []
      const source = route.path.split('/').map(segment => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        names.push(segment.slice(1))
        return '([^/]+)'
      }).join('/')
      return { route, pattern: new RegExp(`^${source}/?$`), names }
    })
    for (const { route, names } of this.compiled) {
      if (names.length > 0) continue
      const bare = route.path.endsWith('/') ? route.path.slice(0, -1) : route.path
      for (const path of [bare, `${bare}/`]) {
        if (!this.fixed.has(path)) this.fixed.set(path, this.compiled.filter(({ pattern }) => pattern.test(path)))
      }
    }
  }

  /** `allowed` lists the methods of a path that exists; empty means no such path (404). */
  lookup (method: string, pathname: string): HttpLookup<R> {
    const allowed: HttpMethod[] = []
    // a fixed path tries only the patterns known to match it, in the same order
    for (const { route, pattern, names } of this.fixed.get(pathname) ?? this.compiled) {
      const found = pattern.exec(pathname)
      if (found == null) continue
      if (route.method !== method) {
        allowed.push(route.method)
        continue
      }
      const params: Record<string, string> = {}
      try {
        names.forEach((name, i) => { params[name] = decodeURIComponent(found[i + 1]) })
      } catch {
        continue
      }
      return { found: true, match: { route, params } }
    }
    return { found: false, allowed }
  }

  /** Fills a route's path from input fields; returns the path and the fields left over. */
  static fill (route: HttpEntry, input: Record<string, unknown>): { path: string, rest: Record<string, unknown> } {
    const rest = { ...input }
    const path = route.path.split('/').map(segment => {
      if (!segment.startsWith(':')) return segment
      const name = segment.slice(1)
      const value = rest[name]
      delete rest[name]
      return encodeURIComponent(String(value ?? ''))
    }).join('/')
    return { path, rest }
  }
}
