import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { cafeRoutes } from '../../src/core/api/index.ts'

describe('docs/API.md', () => {
  const doc = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8')

  it.each(cafeRoutes.map(route => [route.op, route] as const))('documents %s with its method, path, op and auth rule', (_op, route) => {
    expect(doc).toContain(`### ${route.method} ${route.path} — \`${route.op}\` — auth: ${route.auth}`)
  })
})
