#!/usr/bin/env node
// The installed `browser-cafe` command (package.json `bin`). Plain JavaScript that any Node can
// parse: it checks the Node version first (the cafe's dependencies fail on older ones with errors
// that do not say why), then runs the CLI compiled into dist-node/ by `npm pack` (prepack).
import { readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const minimum = Number(/\d+/.exec(pkg.engines.node)[0])
if (Number(process.versions.node.split('.')[0]) < minimum) {
  console.error(`browser-cafe needs Node ${minimum} or later (package.json engines: "${pkg.engines.node}"); this is Node ${process.versions.node}`)
  process.exit(1)
}

let cli
try {
  cli = await import('../dist-node/scripts/cli.js')
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist-node')) throw err
  console.error('browser-cafe is not built: run `npm run build:node` in the repository (npm pack does it)')
  process.exit(1)
}
await cli.main(process.argv.slice(2))
