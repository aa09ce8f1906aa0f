import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { expect, test, type BrowserContext, type Page, type Worker } from '@playwright/test'
import { build } from 'vite'
import { CafeClient } from '../src/client/index.ts'
import { connectCafe } from '../src/client/connect.ts'
import { createRelay, type Relay } from '../src/relay/relay.ts'
import { createToken, tempDir } from './helpers.ts'
import { createNodeWebRtcClient } from './node-client.ts'
import type { CafeStatus } from '../src/worker/api.ts'

/** What the extension's service worker offers its devtools console (extension/background.ts). */
interface CafeExtensionGlobal {
  cafeExtension: { ensureOffscreenDocument(): Promise<boolean>, status(): Promise<CafeStatus> }
  chrome: {
    runtime: { getContexts(filter: { contextTypes: string[] }): Promise<Array<{ documentUrl?: string }>> }
    offscreen: { closeDocument(): Promise<void> }
  }
}

const status = async (worker: Worker): Promise<CafeStatus> =>
  worker.evaluate(async () => (globalThis as unknown as CafeExtensionGlobal).cafeExtension.status())

const offscreenDocuments = async (worker: Worker): Promise<string[]> =>
  worker.evaluate(async () => (await (globalThis as unknown as CafeExtensionGlobal).chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'] })).map(context => context.documentUrl ?? ''))

test.describe('the extension keeps a cafe running with no tab open', () => {
  test.describe.configure({ mode: 'serial' })

  let dir: string
  let profile: string
  let context: BrowserContext
  let worker: Worker
  let id: string
  let relay: Relay
  let peerId: string
  let token: string
  let address: string

  test.beforeAll(async ({ playwright }, testInfo) => {
    testInfo.setTimeout(90_000)
    dir = mkdtempSync(join(tmpdir(), 'cafe-extension-'))
    profile = mkdtempSync(join(tmpdir(), 'cafe-extension-profile-'))
    await build({ configFile: 'extension/vite.config.ts', logLevel: 'error', build: { outDir: dir, emptyOutDir: true } })
    relay = await createRelay({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0/ws'] })

    const { launchOptions } = testInfo.project.use
    context = await playwright.chromium.launchPersistentContext(profile, {
      executablePath: launchOptions?.executablePath,
      // Playwright's `--headless` is Chromium's new headless mode (the old one, which had no
      // extensions, left the chromium binary in 132); --disable-extensions-except and
      // --load-extension win over the --disable-extensions Playwright adds by default
      headless: true,
      args: [...launchOptions?.args ?? [], `--disable-extensions-except=${dir}`, `--load-extension=${dir}`]
    })
    worker = await backgroundWorker()
    id = new URL(worker.url()).host
  })

  /** The extension's service worker as it runs now (Chrome may have started a new one). */
  async function backgroundWorker (): Promise<Worker> {
    const running = context.serviceWorkers().filter(candidate => candidate.url().endsWith('/background.js'))
    return running.at(-1) ?? context.waitForEvent('serviceworker', { predicate: candidate => candidate.url().endsWith('/background.js') })
  }

  test.afterAll(async () => {
    await context?.close()
    await relay?.stop()
    for (const path of [dir, profile]) if (path != null) rmSync(path, { recursive: true, force: true })
  })

  async function openPopup (): Promise<Page> {
    const popup = await context.newPage()
    await popup.goto(`chrome-extension://${id}/popup.html`)
    await expect(popup.getByTestId('peer-id')).toHaveText(/^12D3Koo/, { timeout: 15_000 })
    return popup
  }

  test('the popup shows the cafe\'s peer id, refuses a bad relay address, and shows the relay and cafe address once reserved', async () => {
    const popup = await openPopup()
    peerId = (await popup.getByTestId('peer-id').textContent()) ?? ''
    expect(await offscreenDocuments(worker)).toEqual([`chrome-extension://${id}/offscreen.html`])
    // the offscreen document has RTCPeerConnection itself: no bridge, no host page needed
    await expect(popup.getByTestId('webrtc-host')).toHaveText('this context has its own WebRTC')
    await expect(popup.getByTestId('connections')).toHaveText('0')
    await expect(popup.getByTestId('stored')).toHaveText(/^\d+ blocks, /)

    await popup.getByTestId('relay-input').fill('/ip4/127.0.0.1/tcp/4003/ws')
    await popup.getByTestId('add-relay').click()
    await expect(popup.getByTestId('relay-form-status')).toHaveText(/ends with \/p2p\/<relay peer id> \(RELAY_ADDRESS_INVALID\)/)

    const relayAddress = relay.multiaddrs()[0].toString()
    await popup.getByTestId('relay-input').fill(relayAddress)
    await popup.getByTestId('add-relay').click()
    await expect(popup.locator(`[data-relay="${relayAddress}"] [data-testid="relay-state"]`)).toHaveAttribute('data-reserved', 'true', { timeout: 10_000 })
    await expect(popup.getByTestId('cafe-address')).toHaveText(/^cafe:z/)
    address = (await popup.getByTestId('cafe-address').textContent()) ?? ''
    expect(relay.reservations().map(String)).toEqual([peerId])
  })

  test('the popup opens the full console inside the extension, running against the same cafe', async () => {
    const popup = context.pages().find(page => page.url().endsWith('/popup.html')) ?? await openPopup()
    const [consolePage] = await Promise.all([context.waitForEvent('page'), popup.getByTestId('open-console').click()])
    await expect(consolePage).toHaveURL(`chrome-extension://${id}/index.html`)
    await expect(consolePage.getByTestId('peer-id')).toHaveText(peerId, { timeout: 15_000 })
    // the offscreen document's node, not a SharedWorker of the extension's origin (which would need a bridge)
    await expect(consolePage.getByTestId('webrtc-host')).toHaveText('this context has its own WebRTC')
    await expect(consolePage.getByTestId('cafe-address')).toHaveText(address)
    await expect(consolePage.getByTestId('gateway')).toHaveText('serving /ipfs/ from this browser')
    await expect(consolePage.getByTestId('which-cafe')).toHaveText(new RegExp(`^The extension's cafe, peer ${peerId.slice(0, 8)}…${peerId.slice(-4)}:`))

    // files cross the port as Blobs and land in the offscreen document's IndexedDB
    const files = tempDir({ 'kept.txt': 'kept by the extension' })
    await consolePage.getByTestId('file-input').setInputFiles(join(files, 'kept.txt'))
    await expect(consolePage.getByTestId('library').locator('tr', { hasText: 'kept.txt' })).toBeVisible({ timeout: 15_000 })
    token = await createToken(consolePage, 'from the extension')
  })

  test('with every page closed the cafe keeps running, and a Node client reaches it over WebRTC with its cafe address', async () => {
    const before = await status(worker)
    for (const page of context.pages()) await page.close()
    expect(context.pages()).toHaveLength(0)

    const node = await createNodeWebRtcClient()
    try {
      const link = await connectCafe(node, address, { attemptTimeoutMs: 10_000 })
      expect(link.via).toBe('webrtc')
      expect(link.connection.remoteAddr.toString()).toMatch(new RegExp(`/p2p-circuit/webrtc/p2p/${peerId}$`))
      const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: link.transport })
      expect(await client.register(token)).toMatchObject({ account: client.account, registered: true })
      expect((await client.whoami()).account).toBe(client.account)

      const after = await status(worker)
      expect(after).toMatchObject({ peerId, startedAt: before.startedAt })
      expect(after.connections).toBeGreaterThanOrEqual(1)
      expect(after.blocks).toBeGreaterThan(0)
    } finally {
      await node.stop()
    }
  })

  test('the cafe outlives the service worker: an open popup keeps its port, and a new page wakes a new service worker that finds the same cafe', async () => {
    const before = await status(worker)
    const popup = await openPopup()
    await worker.evaluate(() => { Object.assign(globalThis, { instance: 'before the stop' }) })
    // what Chrome does to an idle extension service worker
    const cdp = await context.newCDPSession(popup)
    const { targetInfos } = await cdp.send('Target.getTargets')
    const target = targetInfos.find(info => info.type === 'service_worker' && info.url === worker.url())
    expect(target).toBeDefined()
    await cdp.send('Target.closeTarget', { targetId: target?.targetId ?? '' })
    await cdp.detach()

    // the popup and the cafe talk directly: a call still reaches the cafe with no service worker running
    await popup.getByTestId('relay-input').fill('/ip4/127.0.0.1/tcp/4003/ws')
    await popup.getByTestId('add-relay').click()
    await expect(popup.getByTestId('relay-form-status')).toHaveText(/\(RELAY_ADDRESS_INVALID\)/)
    await popup.close()

    const again = await openPopup()
    await expect(again.getByTestId('peer-id')).toHaveText(peerId)
    worker = await backgroundWorker()
    expect(await worker.evaluate(() => (globalThis as { instance?: string }).instance ?? 'a new instance')).toBe('a new instance')
    expect(await status(worker)).toMatchObject({ peerId, startedAt: before.startedAt })
    await again.close()
  })

  test('the offscreen document, closed and created again, keeps the peer id, the stored blocks and the relay', async () => {
    const before = await status(worker)
    await worker.evaluate(async () => { await (globalThis as unknown as CafeExtensionGlobal).chrome.offscreen.closeDocument() })
    expect(await offscreenDocuments(worker)).toEqual([])
    expect(await worker.evaluate(async () => (globalThis as unknown as CafeExtensionGlobal).cafeExtension.ensureOffscreenDocument())).toBe(true)
    expect(await worker.evaluate(async () => (globalThis as unknown as CafeExtensionGlobal).cafeExtension.ensureOffscreenDocument())).toBe(false)
    expect(await offscreenDocuments(worker)).toHaveLength(1)

    const after = await status(worker)
    expect(after.peerId).toBe(peerId)
    expect(after.startedAt).toBeGreaterThan(before.startedAt)
    expect(after.blocks).toBe(before.blocks)

    const popup = await openPopup()
    await expect(popup.getByTestId('peer-id')).toHaveText(peerId)
    await expect(popup.locator('[data-testid="relay-state"]')).toHaveAttribute('data-reserved', 'true', { timeout: 10_000 })
    await expect(popup.getByTestId('cafe-address')).toHaveText(address)
  })
})
