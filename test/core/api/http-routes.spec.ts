import { describe, expect, it } from 'vitest'
import { HttpRouteTable, type HttpEntry } from '../../../src/core/api/http-routes.ts'

interface Entry extends HttpEntry { name: string }

const routes: Entry[] = [
  { name: 'pin by id', method: 'GET', path: '/api/v0/pins/:id' },
  { name: 'pin count', method: 'GET', path: '/api/v0/pins/count' },
  { name: 'count delete', method: 'DELETE', path: '/api/v0/pins/count' },
  { name: 'cafe', method: 'GET', path: '/api/v0/cafe' },
  { name: 'cafe post', method: 'POST', path: '/api/v0/cafe' },
  { name: 'pins', method: 'GET', path: '/api/v0/pins' }
]

/** What the table answered before fixed paths had their own index: every pattern in order. */
function scan (method: string, pathname: string): ReturnType<HttpRouteTable<Entry>['lookup']> {
  const allowed: string[] = []
  for (const route of routes) {
    const names: string[] = []
    const source = route.path.split('/').map(segment => {
      if (!segment.startsWith(':')) return segment
      names.push(segment.slice(1))
      return '([^/]+)'
    }).join('/')
    const found = new RegExp(`^${source}/?$`).exec(pathname)
    if (found == null) continue
    if (route.method !== method) { allowed.push(route.method); continue }
    return { found: true, match: { route, params: Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1])])) } }
  }
  return { found: false, allowed: allowed as any }
}

describe('the HTTP route table', () => {
  const table = new HttpRouteTable(routes)

  it('finds fixed and parameter paths, with or without a trailing slash, as a scan of every pattern in order does', () => {
    const paths = ['/api/v0/cafe', '/api/v0/cafe/', '/api/v0/pins', '/api/v0/pins/', '/api/v0/pins/count', '/api/v0/pins/count/',
      '/api/v0/pins/bafy%20x', '/api/v0/pins/abc/', '/api/v0/nothing', '/api/v0/cafe//', '/']
    for (const path of paths) {
      for (const method of ['GET', 'POST', 'DELETE', 'PUT']) {
        expect(table.lookup(method, path), `${method} ${path}`).toEqual(scan(method, path))
      }
    }
  })

  it('a parameter route listed before a fixed one still wins for GET, and the fixed path lists its other methods on a miss', () => {
    expect(table.lookup('GET', '/api/v0/pins/count')).toMatchObject({ found: true, match: { route: { name: 'pin by id' }, params: { id: 'count' } } })
    expect(table.lookup('DELETE', '/api/v0/pins/count')).toMatchObject({ found: true, match: { route: { name: 'count delete' } } })
    expect(table.lookup('PUT', '/api/v0/pins/count')).toEqual({ found: false, allowed: ['GET', 'GET', 'DELETE'] })
    expect(table.lookup('PUT', '/api/v0/cafe/')).toEqual({ found: false, allowed: ['GET', 'POST'] })
  })
})
