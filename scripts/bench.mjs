// `npm run bench`: builds the site with the benchmark page, runs the in-browser
// benchmarks in headless Chromium and the Node ones, prints a table and writes
// bench/results.json. Each figure sits beside a baseline measured in the same run.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import { build, preview } from 'vite'
import { CHROMIUM, ensureChromium } from './ensure-chromium.mjs'

const CONFIG = 'bench/vite.config.ts'
const PORT = Number(process.env.BENCH_PORT ?? 8191)
const SIZE_MIB = Number(process.env.BENCH_SIZE_MIB ?? 64)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const STARTS = Number(process.env.BENCH_STARTS ?? 10)
const MEMORY_MIB = Number(process.env.BENCH_MEMORY_MIB ?? 1023)
const DEBUG_PORT = Number(process.env.BENCH_DEBUG_PORT ?? 9229 + 110)
/** `BENCH_ONLY=gateway,accounts` runs just those groups (browser groups: gateway, decrypt, startup, browserMemory) */
const ONLY = process.env.BENCH_ONLY?.split(',').map(name => name.trim()).filter(Boolean)
const wanted = (name) => ONLY == null || ONLY.includes(name)
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

async function browserBenches () {
  if (!['gateway', 'decrypt', 'startup', 'browserMemory'].some(wanted)) return {}
  await build({ configFile: CONFIG, logLevel: 'warn' })
  const server = await preview({ configFile: CONFIG, preview: { host: '127.0.0.1', port: PORT, strictPort: true }, logLevel: 'warn' })
  const profile = mkdtempSync(join(tmpdir(), 'cafe-bench-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS })
  try {
    const page = await context.newPage()
    page.on('console', message => { if (message.type() === 'error') console.error('[page]', message.text()) })
    await page.goto(`http://127.0.0.1:${PORT}/bench/browser/index.html`)
    await page.waitForFunction(() => 'cafeBench' in globalThis)
    const results = {}
    for (const name of ['gateway', 'decrypt'].filter(wanted)) {
      results[name] = await page.evaluate(([name, size, rounds]) => globalThis.cafeBench[name](size, rounds), [name, SIZE_MIB, ROUNDS])
    }
    if (wanted('startup')) {
      results.startup = { runs: STARTS, pageReadyP50Ms: await pageReadyP50() }
    }
    if (wanted('browserMemory')) results.browserMemory = await browserMemory()
    return results
  } finally {
    await context.close()
    await server.close()
    rmSync(profile, { recursive: true, force: true })
  }
}

const MiB = 1024 * 1024

/**
 * The V8 heap of the cafe's SharedWorker and Service Worker (used heap, and heap plus
 * ArrayBuffer backing stores), sampled every 100 ms over a second CDP connection while
 * `work` runs; the peaks and the values before it started, in MiB.
 */
async function workerHeapPeaks (work) {
  const observer = await chromium.connectOverCDP(`http://127.0.0.1:${DEBUG_PORT}`)
  try {
    const cdp = await observer.newBrowserCDPSession()
    let next = 0
    const replies = new Map()
    cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
      const reply = JSON.parse(message)
      replies.get(reply.id)?.(reply.result)
    })
    const { targetInfos } = await cdp.send('Target.getTargets')
    const workers = []
    for (const target of targetInfos.filter(t => t.type === 'shared_worker' || t.type === 'service_worker')) {
      const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false })
      workers.push({ kind: target.type === 'shared_worker' ? 'sharedWorker' : 'serviceWorker', sessionId })
    }
    const heapOf = async ({ sessionId }) => {
      const id = ++next
      const reply = new Promise(resolve => { replies.set(id, resolve); setTimeout(resolve, 2_000) })
      await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) }).catch(() => {})
      const result = await reply
      replies.delete(id)
      return result == null ? undefined : { heap: result.usedSize / MiB, withBuffers: (result.usedSize + (result.backingStorageSize ?? 0)) / MiB }
    }
    const figures = {}
    const sample = async (prefix) => {
      for (const worker of workers) {
        const heap = await heapOf(worker)
        if (heap == null) continue
        const heapKey = `${worker.kind}${prefix}HeapMiB`
        const buffersKey = `${worker.kind}${prefix}HeapAndBuffersMiB`
        figures[heapKey] = Math.max(figures[heapKey] ?? 0, heap.heap)
        figures[buffersKey] = Math.max(figures[buffersKey] ?? 0, heap.withBuffers)
      }
    }
    await sample('Start')
    let running = true
    const sampling = (async () => { while (running) { await sample('Peak'); await new Promise(resolve => setTimeout(resolve, 100)) } })()
    try {
      return { value: await work(), figures }
    } finally {
      running = false
      await sampling
    }
  } finally {
    await observer.close().catch(() => {})
  }
}

/** A large file added through the SharedWorker and read back through the Service Worker, with the workers' peak heaps. */
async function browserMemory () {
  const profile = mkdtempSync(join(tmpdir(), 'cafe-bench-memory-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: [...ARGS, `--remote-debugging-port=${DEBUG_PORT}`] })
  try {
    const page = await context.newPage()
    page.on('console', message => { if (message.type() === 'error') console.error('[page]', message.text()) })
    await page.goto(`http://127.0.0.1:${PORT}/bench/browser/index.html`)
    await page.waitForFunction(() => 'cafeBench' in globalThis)
    await page.evaluate(() => globalThis.cafeBench.largeFile.ready())
    await page.evaluate(size => globalThis.cafeBench.prepareLargeFile(size), MEMORY_MIB)
    const add = await workerHeapPeaks(() => page.evaluate(() => globalThis.cafeBench.largeFile.add()))
    const read = await workerHeapPeaks(() => page.evaluate(cid => globalThis.cafeBench.largeFile.read(cid), add.value.cid))
    const rename = (figures, phase) => Object.fromEntries(Object.entries(figures).map(([key, value]) => [key.replace('Peak', `${phase}Peak`).replace('Start', phase === 'Add' ? 'Start' : 'BeforeRead'), value]))
    return { sizeMiB: MEMORY_MIB, addMBps: add.value.addMBps, readMBps: read.value.readMBps, ...rename(add.figures, 'Add'), ...rename(read.figures, 'Read') }
  } finally {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  }
}

const median = (samples) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]

/** Page open to the peer id shown, each time in a fresh browser (no stored identity, no running SharedWorker). */
async function pageReadyP50 () {
  const times = []
  for (let run = 0; run < STARTS; run++) {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
    try {
      const page = await (await browser.newContext()).newPage()
      const started = performance.now()
      await page.goto(`http://127.0.0.1:${PORT}/`)
      await page.getByTestId('peer-id').filter({ hasText: /^12D3Koo/ }).waitFor({ timeout: 30_000 })
      times.push(performance.now() - started)
    } finally {
      await browser.close()
    }
  }
  return median(times)
}

/** `npm run cafe` spawned to its first answered `GET /api/v0/cafe`, on one data directory (the first run creates it). */
async function headlessReadyP50 () {
  const dataDir = mkdtempSync(join(tmpdir(), 'cafe-start-bench-'))
  const times = []
  try {
    for (let run = 0; run <= STARTS; run++) {
      const started = performance.now()
      const child = spawn('npm', ['run', '--silent', 'cafe', '--', '--data-dir', dataDir, '--http-port', '0', '--listen', '/ip4/127.0.0.1/tcp/0', '--json'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true })
      try {
        const url = await new Promise((resolve, reject) => {
          let out = ''
          child.stdout.on('data', data => {
            out += data
            const line = out.split('\n').find(line => line.startsWith('{'))
            if (line != null) resolve(JSON.parse(line).url)
          })
          child.once('exit', code => reject(new Error(`npm run cafe exited with ${code}`)))
        })
        const response = await fetch(`${url}/api/v0/cafe`)
        if (!response.ok) throw new Error(`GET /api/v0/cafe answered ${response.status}`)
        await response.arrayBuffer()
        // the first run creates the identity and the stores: not a start-up
        if (run > 0) times.push(performance.now() - started)
      } finally {
        const exited = new Promise(resolve => child.once('exit', resolve))
        process.kill(-child.pid, 'SIGTERM')
        await exited
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
  return median(times)
}

/** Node benchmarks live in bench/node/*.ts and print one JSON object each. */
function nodeBenches () {
  const results = {}
  const dir = 'bench/node'
  if (!existsSync(dir)) return results
  for (const file of spawnSync('ls', [dir]).stdout.toString().split('\n').filter(f => f.endsWith('.bench.ts'))) {
    if (ONLY != null && !ONLY.some(name => file.startsWith(name))) continue
    const run = spawnSync('npx', ['tsx', join(dir, file)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    if (run.status !== 0) throw new Error(`${file} failed`)
    Object.assign(results, JSON.parse(run.stdout.trim().split('\n').pop()))
  }
  return results
}

function printTable (results) {
  const rows = []
  for (const [group, figures] of Object.entries(results)) {
    for (const [name, value] of Object.entries(figures)) {
      rows.push([group, name, typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toFixed(2)) : String(value)])
    }
  }
  const widths = [0, 1, 2].map(i => Math.max(...rows.map(row => row[i].length), 8))
  const line = row => row.map((cell, i) => cell.padEnd(widths[i])).join('  ')
  console.log(line(['bench', 'figure', 'value']))
  console.log(line(widths.map(w => '-'.repeat(w))))
  for (const row of rows) console.log(line(row))
}

ensureChromium()
const results = { ...(await browserBenches()), ...nodeBenches() }
if (wanted('startup')) results.startup = { ...results.startup, headlessReadyP50Ms: await headlessReadyP50() }
printTable(results)
// a partial run (BENCH_ONLY) replaces only its own groups in the file
const earlier = ONLY != null && existsSync('bench/results.json') ? JSON.parse(readFileSync('bench/results.json', 'utf8')).results : {}
writeFileSync('bench/results.json', JSON.stringify({ at: new Date().toISOString(), machine: { cpus: (await import('node:os')).cpus().length }, results: { ...earlier, ...results } }, null, 2) + '\n')
console.log('\nwrote bench/results.json')
