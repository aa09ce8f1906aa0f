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
  }

  /** `allowed` lists the methods of a path that exists; empty means no such path (404). */
  lookup (method: string, pathname: string): HttpLookup<R> {
    const allowed: HttpMethod[] = []
    for (const { route, pattern, names } of this.compiled) {
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
