// `npm test`: type-check (all, then src/core alone), lint, unit tests (vitest, Node), build, end-to-end tests (Playwright
// in Debian's headless Chromium), then one closing line with the totals.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { ensureChromium } from './ensure-chromium.mjs'

// outside test-results/, which Playwright empties when it starts
const REPORTS = '.reports'
// no report of an earlier run may stand in for this one
rmSync(REPORTS, { recursive: true, force: true })
mkdirSync(REPORTS, { recursive: true })

function run (command, args, env = {}) {
  console.log(`\n> ${command} ${args.join(' ')}`)
  return spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1
}

function readJson (path) {
  try { return JSON.parse(readFileSync(path, 'utf8')) } catch { return undefined }
}

ensureChromium()
const failures = []
if (run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']) !== 0) failures.push('type-check')
// src/core must type-check with no DOM and no Node types: it runs in every context
if (run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.core.json']) !== 0) failures.push('core type-check')
if (run('npx', ['oxlint', '--deny-warnings', 'src', 'test', 'e2e', 'bench', 'scripts', 'extension']) !== 0) failures.push('lint')
if (run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${REPORTS}/unit.json`]) !== 0) failures.push('unit')
if (run('npx', ['vite', 'build', '--logLevel', 'warn']) !== 0) failures.push('build')
else if (run('npx', ['playwright', 'test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: `${REPORTS}/e2e.json` }) !== 0) failures.push('e2e')

const unit = readJson(`${REPORTS}/unit.json`)
const e2e = readJson(`${REPORTS}/e2e.json`)
const flaky = e2e?.stats?.flaky ?? 0
const passed = (unit?.numPassedTests ?? 0) + (e2e?.stats?.expected ?? 0) + flaky
const failedUnit = unit?.numFailedTests ?? 0
const failedE2e = e2e?.stats?.unexpected ?? 0
// a step that failed without a failing test (type-check, build, a runner that crashed) counts once
const silentSteps = failures.filter(step => !(step === 'unit' && failedUnit > 0) && !(step === 'e2e' && failedE2e > 0)).length
const failed = failedUnit + failedE2e + silentSteps
const skipped = (unit?.numPendingTests ?? 0) + (e2e?.stats?.skipped ?? 0)
if (failures.length > 0) console.log(`\nfailed steps: ${failures.join(', ')}`)
if (flaky > 0) console.log(`\n${flaky} end-to-end test(s) passed only on their retry (flaky): see the list above`)
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failures.length > 0 ? 1 : 0)
