/**
 * A browser cafe reached from another browser, in headless Chromium on 127.0.0.1: the
 * cafe runs in context A behind a relay started here (unlimited, so a 16 MiB transfer
 * fits the relayed circuit too); context B runs bench/browser/network.ts:
 * - cafe address to registered session, p50/p90 over RUNS, over WebRTC and over the relayed circuit,
 *   and how many WebRTC runs needed more than one dial;
 * - a 16 MiB CAR upload over WebRTC against the same over the relayed circuit;
 * - the WebRTC bridge's cost: a data channel driven through the bridge against a native one.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import { build, preview } from 'vite'
import { createRelay } from '../../src/relay/relay.ts'
import { report } from './measure.ts'
import type { NetworkBench } from '../browser/network.ts'

const RUNS = Number(process.env.BENCH_NETWORK_RUNS ?? 20)
const SIZE_MIB = Number(process.env.BENCH_NETWORK_MIB ?? 16)
const PORT = Number(process.env.BENCH_NETWORK_PORT ?? 8193)
const CONFIG = 'bench/network.vite.config.ts'
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = [...(process.env.BENCH_CHROMIUM_FLAGS ?? '').split(' ').filter(Boolean), '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

declare const networkBench: NetworkBench

const outDir = mkdtempSync(join(tmpdir(), 'cafe-network-bench-'))
await build({ configFile: CONFIG, logLevel: 'warn', build: { outDir, emptyOutDir: true } })
const server = await preview({ configFile: CONFIG, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: PORT, strictPort: true } })
const relay = await createRelay({ listen: ['/ip4/127.0.0.1/tcp/0/ws'], limits: { unlimited: true } })
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
const origin = `http://127.0.0.1:${PORT}`

try {
  const cafePage = await (await browser.newContext()).newPage()
  await cafePage.goto(`${origin}/?relay=${encodeURIComponent(relay.multiaddrs()[0].toString())}`)
  await cafePage.getByTestId('webrtc-host').filter({ hasText: 'carried by this page' }).waitFor({ timeout: 15_000 })
  await cafePage.getByTestId('cafe-address').filter({ hasText: /^cafe:z/ }).waitFor({ timeout: 15_000 })
  const address = (await cafePage.getByTestId('cafe-address').textContent()) ?? ''
  await cafePage.getByLabel('Label').fill('bench')
  await cafePage.getByLabel('Uses (0 = unlimited)').fill('0')
  await cafePage.getByTestId('create-token').click()
  await cafePage.getByTestId('token-secret').waitFor()
  const token = (await cafePage.getByTestId('token-secret').textContent()) ?? ''

  const client = await (await browser.newContext()).newPage()
  client.on('console', message => { if (message.type() === 'error') console.error('[client]', message.text()) })
  await client.goto(`${origin}/bench/browser/network.html`)
  await client.waitForFunction(() => 'networkBench' in globalThis)

  const webrtc = await client.evaluate(async ([address, token, runs]) => networkBench.connect(address, token, runs, true), [address, token, RUNS] as const)
  const relayed = await client.evaluate(async ([address, token, runs]) => networkBench.connect(address, token, runs, false), [address, token, RUNS] as const)
  if (!relayed.via.every(via => via === 'p2p-circuit')) throw new Error(`the relayed runs went over ${relayed.via.join()}`)
  if (webrtc.fallbacks.length > 0) console.error(`WebRTC runs that fell back to the relayed circuit: ${webrtc.fallbacks.join(' | ')}`)
  const transfer = await client.evaluate(async ([address, token, mib]) => networkBench.transfer(address, token, mib), [address, token, SIZE_MIB] as const)
  const bridge = await client.evaluate(async mib => networkBench.bridgeCost(mib), SIZE_MIB)

  report({
    network: {
      address_to_session_webrtc_p50_ms: webrtc.p50,
      address_to_session_webrtc_p90_ms: webrtc.p90,
      address_to_session_webrtc_fallbacks: webrtc.fallbacks.length,
      // runs whose first WebRTC dial failed (p90 over twenty hides one)
      address_to_session_webrtc_retried: webrtc.retried,
      address_to_session_relayed_p50_ms: relayed.p50,
      address_to_session_relayed_p90_ms: relayed.p90,
      [`upload_${SIZE_MIB}mib_webrtc_mb_s`]: Number(transfer.webrtc_upload_mb_s),
      [`upload_${SIZE_MIB}mib_relayed_mb_s`]: Number(transfer['p2p-circuit_upload_mb_s']),
      ...bridge,
      webrtcUploadToNative: Number(transfer.webrtc_upload_mb_s) / Number(bridge.native_datachannel_mb_s)
    }
  })
} finally {
  await browser.close()
  await relay.stop()
  await server.close()
  rmSync(outDir, { recursive: true, force: true })
}
