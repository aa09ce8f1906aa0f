// Profiles the Service Worker while the bench page reads one file through it: a CPU profile
// (CDP Profiler on the Service Worker target) per kind of read, with the top functions by
// self samples, and the read times in alternation (A, B, A, B, ...).
//   node scripts/profile-sw.mjs   (after BENCH_ONLY=decrypt npm run bench built dist-bench/, or PROFILE_BUILD=1)
// PROFILE_READS=gateway,endpoint,plain,range (endpoint:<query> appends a query)  PROFILE_MIB=64  PROFILE_ROUNDS=5  PROFILE_PROFILED=3  PROFILE_OUT=/tmp/sw-prof
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import { build, preview } from 'vite'
import { CHROMIUM } from './ensure-chromium.mjs'
import { BROWSER_ARGS, browserCpuMs, readUrl } from './sw-reads.mjs'

const CONFIG = 'bench/vite.config.ts'
const PORT = Number(process.env.BENCH_PORT ?? 8191)
const DEBUG_PORT = Number(process.env.BENCH_DEBUG_PORT ?? PORT + 1000)
const SIZE_MIB = Number(process.env.PROFILE_MIB ?? 64)
const ROUNDS = Number(process.env.PROFILE_ROUNDS ?? 5)
const PROFILED = Number(process.env.PROFILE_PROFILED ?? 3)
const READS = (process.env.PROFILE_READS ?? 'endpoint,gateway').split(',')
const OUT = process.env.PROFILE_OUT ?? '/tmp/sw-prof'

/** self samples per function, top `n` */
function top (profile, n = 25) {
  const byId = new Map(profile.nodes.map(node => [node.id, node]))
  const counts = new Map()
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1)
  const perFunction = new Map()
  for (const [id, count] of counts) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame
    const name = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}`
    perFunction.set(name, (perFunction.get(name) ?? 0) + count)
  }
  const total = profile.samples.length
  return { total, top: [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, n) }
}

if (process.env.PROFILE_BUILD === '1') await build({ configFile: CONFIG, logLevel: 'warn' })
const server = await preview({ configFile: CONFIG, preview: { host: '127.0.0.1', port: PORT, strictPort: true }, logLevel: 'warn' })
const dir = mkdtempSync(join(tmpdir(), 'cafe-profile-'))
const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: [...BROWSER_ARGS, `--remote-debugging-port=${DEBUG_PORT}`] })
mkdirSync(OUT, { recursive: true })
try {
  const page = await context.newPage()
  page.on('console', message => { if (message.type() === 'error') console.error('[page]', message.text()) })
  await page.goto(`http://127.0.0.1:${PORT}/bench/browser/index.html`)
  await page.waitForFunction(() => 'cafeBench' in globalThis)
  const file = await page.evaluate(size => globalThis.cafeBench.prepareEncrypted(size), SIZE_MIB)

  const observer = await chromium.connectOverCDP(`http://127.0.0.1:${DEBUG_PORT}`)
  const cdp = await observer.newBrowserCDPSession()
  const { targetInfos } = await cdp.send('Target.getTargets')
  const sw = targetInfos.find(t => t.type === 'service_worker')
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: sw.targetId, flatten: false })
  let next = 0
  const replies = new Map()
  cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
    const reply = JSON.parse(message)
    replies.get(reply.id)?.(reply)
  })
  const send = async (method, params = {}) => {
    const id = ++next
    const reply = new Promise(resolve => replies.set(id, resolve))
    await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) })
    const result = await reply
    replies.delete(id)
    if (result.error != null) throw new Error(`${method}: ${result.error.message}`)
    return result.result
  }
  await send('Profiler.enable')
  await send('Profiler.setSamplingInterval', { interval: 1000 })

  const read = (path, range) => page.evaluate(async ([path, range]) => {
    const started = performance.now()
    const response = await fetch(path, range == null ? {} : { headers: { Range: range } })
    const headersAt = performance.now() - started
    const reader = response.body.getReader()
    let total = 0
    let chunks = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.byteLength
      chunks++
    }
    return { ms: performance.now() - started, headersAt, total, chunks, status: response.status }
  }, [path, range])

  const times = Object.fromEntries(READS.map(kind => [kind, []]))
  const firsts = Object.fromEntries(READS.map(kind => [kind, []]))
  const cpu = Object.fromEntries(READS.map(kind => [kind, []]))
  for (const kind of READS) await read(readUrl(kind, file), kind === 'range' ? 'bytes=1000000-33000000' : undefined) // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of READS) {
      const typesBefore = {}
      const typesAfter = {}
      const cpuBefore = browserCpuMs(dir, typesBefore)
      const result = await read(readUrl(kind, file), kind === 'range' ? 'bytes=1000000-33000000' : undefined)
      cpu[kind].push(browserCpuMs(dir, typesAfter) - cpuBefore)
      if (round === ROUNDS - 1) console.log(kind, Object.entries(typesAfter).map(([type, ms]) => `${type} ${ms - (typesBefore[type] ?? 0)}`).join(', '))
      times[kind].push(result.ms)
      firsts[kind].push(result.headersAt)
      if (round === 0) console.log(kind, 'bytes', result.total, 'chunks', result.chunks)
    }
  }
  for (const kind of READS) {
    await send('Profiler.start')
    for (let round = 0; round < PROFILED; round++) await read(readUrl(kind, file), kind === 'range' ? 'bytes=1000000-33000000' : undefined)
    const { profile } = await send('Profiler.stop')
    writeFileSync(join(OUT, `${kind.replace(':', '-')}.cpuprofile`), JSON.stringify(profile))
    const summary = top(profile)
    console.log(`\n== ${kind}: ${summary.total} samples (${PROFILED} reads)`)
    for (const [name, count] of summary.top) console.log(String(count).padStart(6), name)
  }
  const median = runs => [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)]
  console.log('\nread ms (alternated):')
  for (const kind of READS) console.log(kind.padEnd(10), times[kind].map(ms => ms.toFixed(0)).join(' '), ' median', median(times[kind]).toFixed(0), ' headers after', median(firsts[kind]).toFixed(0), ' browser CPU ms', median(cpu[kind]).toFixed(0))
  await observer.close()
} finally {
  await context.close()
  await server.close()
  rmSync(dir, { recursive: true, force: true })
}
