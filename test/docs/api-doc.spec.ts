import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CAFE_ERROR_CODES } from '../../src/core/errors.ts'
import { cafeRoutes, cafeStreamRoutes } from '../../src/core/routes.ts'

describe('docs/API.md', () => {
  const doc = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8')

  it.each(cafeRoutes.map(route => [route.op, route] as const))('documents %s with its method, path, op and auth rule', (_op, route) => {
    expect(doc).toContain(`### ${route.method} ${route.path} — \`${route.op}\` — auth: ${route.auth}`)
  })

  it.each(cafeStreamRoutes.map(route => [route.op, route] as const))('documents the stream route %s with its protocol, op and auth rule', (_op, route) => {
    expect(doc).toContain(`### STREAM ${route.protocol} — \`${route.op}\` — auth: ${route.auth}`)
    if (route.http != null) expect(doc).toContain(`${route.http.method} ${route.http.path}`)
  })

  // the rows of the error-code table: | `CODE` | status | meaning |
  const documented = [...doc.matchAll(/^\| `([A-Z0-9_]+)` \| ([0-9, ]+) \| .+ \|$/gm)].map(match => match[1])

  it('lists every error code in its code table, once', () => {
    expect(documented.filter((code, i) => documented.indexOf(code) !== i)).toEqual([])
    expect(CAFE_ERROR_CODES.filter(code => !documented.includes(code))).toEqual([])
  })

  it('lists no error code the cafe does not have', () => {
    expect(documented.filter(code => !(CAFE_ERROR_CODES as readonly string[]).includes(code))).toEqual([])
  })

  it('names no code outside the union anywhere (an old spelling left in the text)', () => {
    const known = new Set<string>([...CAFE_ERROR_CODES, 'CAFE_ERROR_CODES'])
    const quoted = [...doc.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g)].map(match => match[1])
    expect([...new Set(quoted.filter(code => !known.has(code)))]).toEqual([])
  })
})
