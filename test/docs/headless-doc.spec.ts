import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { cafeServices } from '../../src/core/services.ts'

describe('docs/HEADLESS.md', () => {
  const doc = readFileSync(new URL('../../docs/HEADLESS.md', import.meta.url), 'utf8')
  const sections = Object.entries(cafeServices).filter(([, service]) => Object.keys(service.config).length > 0)

  it.each(sections)('lists the config file section %s with every key the service declares', (name, service) => {
    const row = doc.split('\n').find(line => line.startsWith(`| \`${name}\` |`))
    expect(row, name).toBeDefined()
    for (const key of Object.keys(service.config)) expect(row).toContain(`\`${key}\``)
  })
})
