import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
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
})
