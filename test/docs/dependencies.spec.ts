/**
 * package.json declares exactly what the code imports: a package imported at run time by src/
 * is a dependency, one only imported by tests, e2e, bench, scripts, the extension or the build
 * configs (or only as types) is a devDependency, and nothing is declared that nothing imports.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = new URL('../..', import.meta.url).pathname
const DIRS = ['src', 'test', 'e2e', 'bench', 'scripts', 'extension']
const SOURCE = /\.(?:[cm]?[jt]s|tsx)$/

/** Declared and used without an import: binaries, type packages, a runtime loaded by name. */
const TOOLS: Record<string, string> = {
  '@types/node': 'types for tsc',
  node: 'Node 24 first on the PATH of npm scripts',
  oxlint: 'npm run lint',
  tsx: 'npm run cafe / relay, and `node --import tsx` in tests that spawn the cafe',
  typescript: 'npm run typecheck'
}

function files (dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...files(path))
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`; undefined for relative paths and builtins. */
function packageOf (specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || specifier.startsWith('virtual:')) return undefined
  const parts = specifier.split('/')
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
  return builtinModules.includes(name) ? undefined : name
}

interface Use { runtime: boolean, file: string }

/** Every bare specifier of `import … from`, `export … from`, `import '…'` and `import('…')`. */
function imports (text: string): Array<{ specifier: string, typeOnly: boolean }> {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  const found: Array<{ specifier: string, typeOnly: boolean }> = []
  const statement = /^\s*(import|export)\s+(type\s+)?(?:[\w*\s{},$]*?\s+from\s+)?['"]([^'"]+)['"]/gm
  for (const match of code.matchAll(statement)) found.push({ specifier: match[3], typeOnly: match[2] != null })
  for (const match of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ specifier: match[1], typeOnly: false })
  return found
}

function scan (): Map<string, Use[]> {
  const uses = new Map<string, Use[]>()
  const all = [
    ...DIRS.flatMap(dir => files(join(ROOT, dir))),
    ...readdirSync(ROOT).filter(name => SOURCE.test(name)).map(name => join(ROOT, name))
  ]
  for (const path of all) {
    const file = relative(ROOT, path)
    for (const { specifier, typeOnly } of imports(readFileSync(path, 'utf8'))) {
      const name = packageOf(specifier)
      if (name == null) continue
      const list = uses.get(name) ?? []
      list.push({ runtime: file.startsWith('src/') && !typeOnly, file })
      uses.set(name, list)
    }
  }
  return uses
}

describe('package.json', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  const dependencies = Object.keys(pkg.dependencies ?? {}).sort()
  const devDependencies = Object.keys(pkg.devDependencies ?? {}).sort()
  const uses = scan()
  const runtime = [...uses].filter(([, list]) => list.some(use => use.runtime)).map(([name]) => name).sort()
  const devOnly = [...uses].filter(([, list]) => !list.some(use => use.runtime)).map(([name]) => name)

  it('finds the imports it checks', () => {
    expect(runtime).toContain('libp2p')
    expect(devOnly).toContain('vitest')
  })

  it('declares as dependencies exactly the packages src/ imports at run time', () => {
    expect(dependencies).toEqual(runtime)
  })

  it('declares as devDependencies the packages only tests, tools and types import, and the tools it runs', () => {
    expect(devDependencies).toEqual([...devOnly, ...Object.keys(TOOLS)].sort())
  })
})
