// A/B of the Service Worker gateway: two builds of the bench page (A = another checkout's
// dist-bench, B = this one) served on two ports (two origins, each its own Service Worker
// and IndexedDB) in one browser; reads alternate A, B, A, B, ...
//   AB_BASE=/path/to/other/checkout node scripts/ab-sw.mjs     (both built with bench/vite.config.ts)
// AB_READS=gateway,endpoint,plain,range  AB_MIB=64  AB_ROUNDS=7  BENCH_PORT (B) BENCH_NETWORK_PORT (A)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from '@playwright/test'
import { preview } from 'vite'
import { CHROMIUM } from './ensure-chromium.mjs'
import { BROWSER_ARGS, browserCpuMs, readUrl } from './sw-reads.mjs'

const BASE = resolve(process.env.AB_BASE ?? '.')
const PORT_B = Number(process.env.BENCH_PORT ?? 8191)
const PORT_A = Number(process.env.BENCH_NETWORK_PORT ?? 8193)
const SIZE_MIB = Number(process.env.AB_MIB ?? 64)
const ROUNDS = Number(process.env.AB_ROUNDS ?? 7)
const READS = (process.env.AB_READS ?? 'gateway,endpoint').split(',')
const RANGE = process.env.AB_RANGE ?? 'bytes=1000000-33000000'

const servers = [
  await preview({ root: BASE, configFile: join(BASE, 'bench/vite.config.ts'), preview: { host: '127.0.0.1', port: PORT_A, strictPort: true }, logLevel: 'warn' }),
  await preview({ configFile: 'bench/vite.config.ts', preview: { host: '127.0.0.1', port: PORT_B, strictPort: true }, logLevel: 'warn' })
]
const dir = mkdtempSync(join(tmpdir(), 'cafe-ab-'))
const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: BROWSER_ARGS })
try {
  const sides = []
  for (const [name, port] of [['A', PORT_A], ['B', PORT_B]]) {
    const page = await context.newPage()
    page.on('console', message => { if (message.type() === 'error') console.error(`[${name}]`, message.text()) })
    await page.goto(`http://127.0.0.1:${port}/bench/browser/index.html`)
    await page.waitForFunction(() => 'cafeBench' in globalThis)
    sides.push({ name, page, file: await page.evaluate(size => globalThis.cafeBench.prepareEncrypted(size), SIZE_MIB) })
  }
  const read = (page, path, range) => page.evaluate(async ([path, range]) => {
    const started = performance.now()
    const response = await fetch(path, range == null ? {} : { headers: { Range: range } })
    const headersAt = performance.now() - started
    const reader = response.body.getReader()
    let total = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.byteLength
    }
    return { ms: performance.now() - started, headersAt, total, status: response.status }
  }, [path, range])
  const times = {}
  for (let round = -1; round < ROUNDS; round++) {
    for (const kind of READS) {
      for (const side of sides) {
        const cpuBefore = browserCpuMs(dir)
        const result = await read(side.page, readUrl(kind, side.file), kind === 'range' ? RANGE : undefined)
        result.cpu = browserCpuMs(dir) - cpuBefore
        if (round < 0) { console.log(side.name, kind, result.status, result.total); continue } // warm-up
        const key = `${side.name} ${kind}`
        times[key] ??= { ms: [], headersAt: [], cpu: [] }
        times[key].cpu.push(result.cpu)
        times[key].ms.push(result.ms)
        times[key].headersAt.push(result.headersAt)
      }
    }
  }
  const median = runs => [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)]
  for (const [key, { ms, headersAt, cpu }] of Object.entries(times)) {
    console.log(key.padEnd(14), ms.map(v => v.toFixed(0)).join(' ').padEnd(40), 'median', median(ms).toFixed(0), ' headers', median(headersAt).toFixed(0), ' browser CPU ms', median(cpu).toFixed(0))
  }
  if (READS.includes('gateway') && READS.includes('endpoint')) {
    for (const side of ['A', 'B']) {
      const g = times[`${side} gateway`].ms
      const e = times[`${side} endpoint`].ms
      const ratios = g.map((v, i) => v / e[i] * (64 * 1024 * 1024) / (64 * 1024 * 1024))
      console.log(`${side} endpoint/gateway time ratio per round (gateway ms / endpoint ms):`, ratios.map(r => r.toFixed(2)).join(' '), 'median', median(ratios).toFixed(2))
    }
  }
} finally {
  await context.close()
  for (const server of servers) await server.close()
  rmSync(dir, { recursive: true, force: true })
}
