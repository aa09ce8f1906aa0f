// `npm run build:node` (and `npm pack`, through prepack): the installed command's JavaScript.
// scripts/cli.ts and everything it imports become one ES module, dist-node/cli.mjs, with a
// linked source map. One file, because resolving some 2,000 modules one by one was most of a
// start: the installed cafe served its first request after 4.8-8.9 s from per-module files,
// 0.9-1.2 s from the bundle (same loaded machine). Native addons stay outside and load from
// node_modules. `NODE_OPTIONS=--enable-source-maps` makes stack traces name the sources.
import { rmSync } from 'node:fs'
import { build } from 'esbuild'

rmSync('dist-node', { recursive: true, force: true })
await build({
  entryPoints: ['scripts/cli.ts'],
  outfile: 'dist-node/cli.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  sourcemap: 'linked',
  // compiled native code, found through node_modules at run time
  external: ['classic-level'],
  // CommonJS dependencies inside an ES module still call require()
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning'
})
