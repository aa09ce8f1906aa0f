/**
 * The extension as a same-device gateway for other origins: pages on another origin
 * (a second static server) load content from the extension's cafe through public
 * gateway URLs and ipfs:// links, with the "public gateway" a local stand-in (ipfs.io and
 * *.dweb.link resolve to 127.0.0.1 through --host-resolver-rules) that must see no
 * request while redirection is on, and answers when it is off.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { expect, test, type BrowserContext, type Page, type Worker } from '@playwright/test'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { build } from 'vite'
import { connectCafe } from '../src/client/connect.ts'
import { nameOfPeer } from '../src/core/names/name.ts'
import { createCafeHelia, type CafeHelia } from '../src/node/cafe-helia.ts'
import { createRelay, type Relay } from '../src/relay/relay.ts'
import { RULE_IDS } from '../extension/ipfs-urls.ts'
import { addThroughPage, png, pseudoRandomBytes, tempDir } from './helpers.ts'

/** A valid CIDv1 (raw, sha256 of "nobody has this") that no peer here stores. */
const UNKNOWN_CID = 'bafkreiemqpndzewx4bioklzfvhtiegsfny5fxuc3nkjk2vmcpjxiammsti'

async function listen (server: Server): Promise<number> {
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return (server.address() as { port: number }).port
}

test.describe('the extension answers IPFS URLs of any page from its cafe', () => {
  test.describe.configure({ mode: 'serial' })

  let dir: string
  let profile: string
  let context: BrowserContext
  let worker: Worker
  let origin: string
  let relay: Relay
  let gatewayHits: string[]
  let publicGateway: Server
  let gw: string
  let site: Server
  let siteOrigin: string
  const sitePages = new Map<string, string>()
  let imageCid: string
  let videoCid: string
  let textCid: string
  let consolePage: Page

  test.beforeAll(async ({ playwright }, testInfo) => {
    testInfo.setTimeout(120_000)
    dir = mkdtempSync(join(tmpdir(), 'cafe-extension-gw-'))
    profile = mkdtempSync(join(tmpdir(), 'cafe-extension-gw-profile-'))
    await build({ configFile: 'extension/vite.config.ts', logLevel: 'error', build: { outDir: dir, emptyOutDir: true } })
    relay = await createRelay({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0/ws'] })

    // the stand-in public gateway: a 3×2 PNG for .png paths, text otherwise
    gatewayHits = []
    publicGateway = createServer((req, res) => {
      gatewayHits.push(req.url ?? '')
      const image = /png|image/.test(req.url ?? '') || (req.headers.accept ?? '').startsWith('image/')
      res.writeHead(200, { 'content-type': image ? 'image/png' : 'text/plain', 'access-control-allow-origin': '*' })
      res.end(image ? png(3, 2) : `the public gateway's answer for ${req.url}`)
    })
    gw = `ipfs.io:${await listen(publicGateway)}`
    site = createServer((req, res) => {
      const html = sitePages.get(req.url ?? '')
      res.writeHead(html == null ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(html ?? 'no such page')
    })
    siteOrigin = `http://127.0.0.1:${await listen(site)}`

    const { launchOptions } = testInfo.project.use
    context = await playwright.chromium.launchPersistentContext(profile, {
      executablePath: launchOptions?.executablePath,
      headless: true,
      args: [
        ...launchOptions?.args ?? [],
        `--disable-extensions-except=${dir}`, `--load-extension=${dir}`,
        // the public gateways are this machine; nothing leaves it
        '--host-resolver-rules=MAP ipfs.io 127.0.0.1, MAP *.dweb.link 127.0.0.1',
        '--autoplay-policy=no-user-gesture-required'
      ]
    })
    worker = context.serviceWorkers().find(candidate => candidate.url().endsWith('/background.js')) ??
      await context.waitForEvent('serviceworker', { predicate: candidate => candidate.url().endsWith('/background.js') })
    origin = `chrome-extension://${new URL(worker.url()).host}`

    consolePage = await context.newPage()
    await consolePage.goto(`${origin}/index.html`)
    await expect(consolePage.getByTestId('peer-id')).toHaveText(/^12D3Koo/, { timeout: 15_000 })
    await expect(consolePage.getByTestId('gateway')).toHaveText('serving /ipfs/ from this browser')

    // a VP8 video recorded from a canvas of noise (about 1 MiB, several blocks), so seeking needs ranges
    const video = Buffer.from(await consolePage.evaluate(async () => {
      const canvas = document.createElement('canvas')
      canvas.width = 320
      canvas.height = 240
      const g = canvas.getContext('2d')!
      const recorder = new MediaRecorder(canvas.captureStream(25), { mimeType: 'video/webm;codecs=vp8', videoBitsPerSecond: 4_000_000 })
      const parts: Blob[] = []
      recorder.ondataavailable = (event) => { parts.push(event.data) }
      const noise = g.createImageData(320, 240)
      const timer = setInterval(() => {
        crypto.getRandomValues(noise.data.subarray(0, 65536))
        for (let i = 3; i < noise.data.length; i += 4) noise.data[i] = 255
        g.putImageData(noise, 0, 0)
      }, 40)
      recorder.start()
      await new Promise(resolve => setTimeout(resolve, 2_500))
      recorder.stop()
      await new Promise(resolve => { recorder.onstop = resolve })
      clearInterval(timer)
      const bytes = new Uint8Array(await new Blob(parts).arrayBuffer())
      let binary = ''
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
      return btoa(binary)
    }), 'base64')
    const files = tempDir({ 'photo.png': png(64, 48), 'clip.webm': video, 'hello.txt': 'hello from the extension\'s cafe' })
    imageCid = await addThroughPage(consolePage, 'file-input', join(files, 'photo.png'), 'photo.png')
    videoCid = await addThroughPage(consolePage, 'file-input', join(files, 'clip.webm'), 'clip.webm')
    textCid = await addThroughPage(consolePage, 'file-input', join(files, 'hello.txt'), 'hello.txt')
    testInfo.annotations.push({ type: 'video bytes', description: String(video.length) })
  })

  test.afterAll(async () => {
    await context?.close()
    await relay?.stop()
    publicGateway?.close()
    site?.close()
    for (const path of [dir, profile]) if (path != null) rmSync(path, { recursive: true, force: true })
  })

  async function openPopup (): Promise<Page> {
    const popup = await context.newPage()
    await popup.goto(`${origin}/popup.html`)
    await expect(popup.getByTestId('peer-id')).toHaveText(/^12D3Koo/, { timeout: 15_000 })
    return popup
  }

  async function setRedirection (enabled: boolean): Promise<void> {
    const popup = await openPopup()
    const toggle = popup.getByTestId('redirect-toggle')
    await expect(toggle).toBeEnabled()
    if (await toggle.isChecked() !== enabled) await toggle.click()
    await expect(toggle).toHaveAttribute('data-applied', String(enabled))
    await popup.close()
  }

  test('the consoles say which cafe they drive, and the extension\'s console serves /ipfs/ with ranges', async () => {
    // every rule compiled (Chromium skips a regexFilter above its 2 KB limit, with only a console error)
    const rules = await worker.evaluate(async () => (globalThis as unknown as { chrome: { declarativeNetRequest: { getDynamicRules(): Promise<Array<{ id: number }>> } } }).chrome.declarativeNetRequest.getDynamicRules())
    expect(rules.map(rule => rule.id)).toEqual(RULE_IDS)
    await expect(consolePage.getByTestId('which-cafe')).toHaveText(/^The extension's cafe, peer 12D3KooW…\w{4}: it runs with no tab open/)
    await expect(consolePage.getByTestId('gateway')).toHaveText('serving /ipfs/ from this browser')
    const popup = await openPopup()
    await expect(popup.getByTestId('which-cafe')).toHaveText(/^The extension's cafe, peer 12D3KooW…/)
    await popup.close()

    const answers = await consolePage.evaluate(async (cid) => {
      const whole = await fetch(`/ipfs/${cid}`)
      const size = (await whole.arrayBuffer()).byteLength
      const ranged = await fetch(`/ipfs/${cid}`, { headers: { Range: 'bytes=300000-300099' } })
      return { status: whole.status, type: whole.headers.get('content-type'), size, rangeStatus: ranged.status, contentRange: ranged.headers.get('content-range'), rangeBytes: (await ranged.arrayBuffer()).byteLength }
    }, videoCid)
    expect(answers).toMatchObject({ status: 200, type: 'video/webm', rangeStatus: 206, contentRange: `bytes 300000-300099/${answers.size}`, rangeBytes: 100 })

    // /ipns/ comes with the gateway core: names the cafe does not host are 404
    const name = nameOfPeer(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))
    const unknownName = await consolePage.evaluate(async (path) => {
      const response = await fetch(path)
      return { status: response.status, body: await response.json() as { error: { code: string } } }
    }, `/ipns/${name}`)
    expect(unknownName).toMatchObject({ status: 404, body: { error: { code: 'NAME_NOT_FOUND' } } })
  })

  test('a page on another origin shows an image and seeks a video from the extension\'s cafe, and the public gateway sees no request', async () => {
    gatewayHits.length = 0
    sitePages.set('/media.html', `<!doctype html><body>
      <img id="path" src="http://${gw}/ipfs/${imageCid}">
      <img id="subdomain" src="http://${imageCid}.ipfs.dweb.link:${gw.split(':')[1]}/">
      <img id="scheme" src="ipfs://${imageCid}">
      <video id="video" muted preload="auto" src="http://${gw}/ipfs/${videoCid}"></video>
      <iframe id="frame" src="http://${gw}/ipfs/${videoCid}" width="320" height="240"></iframe>
    </body>`)
    const page = await context.newPage()
    // one image alone: how long the content script, the bridge frame and the gateway take
    sitePages.set('/image.html', `<!doctype html><img id="img" src="http://${gw}/ipfs/${imageCid}">`)
    for (let i = 0; i < 2; i++) {
      await page.goto(`${siteOrigin}/image.html`, { waitUntil: 'commit' })
      const shownAfter = await page.evaluate(async () => {
        const img = document.getElementById('img') as HTMLImageElement
        while (img.naturalWidth === 0) await new Promise(resolve => setTimeout(resolve, 5))
        return Math.round(performance.now())
      })
      console.log(`another origin: one image shown ${shownAfter} ms after the navigation started (${i === 0 ? 'first' : 'second'} page)`)
    }
    const started = Date.now()
    await page.goto(`${siteOrigin}/media.html`)
    for (const id of ['path', 'subdomain', 'scheme']) {
      await expect(page.locator(`#${id}`)).toHaveAttribute('data-cafe-state', 'loaded', { timeout: 15_000 })
      await expect.poll(async () => page.locator(`#${id}`).evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(64)
    }
    const imageMs = Date.now() - started
    // the page's own origin owns the blob: URL the content script made
    expect(await page.locator('#path').getAttribute('src')).toMatch(new RegExp(`^blob:${siteOrigin}/`))
    expect(await page.locator('#path').getAttribute('data-cafe-src')).toBe(`http://${gw}/ipfs/${imageCid}`)

    await expect(page.locator('#video')).toHaveAttribute('data-cafe-state', 'loaded', { timeout: 15_000 })
    const played = await page.locator('#video').evaluate(async (video: HTMLVideoElement) => {
      if (video.readyState < 1) await new Promise(resolve => { video.onloadedmetadata = resolve })
      const duration = video.duration
      video.currentTime = duration / 2
      await new Promise(resolve => { video.onseeked = resolve })
      await video.play()
      return { duration, at: video.currentTime, width: video.videoWidth }
    })
    expect(played.width).toBe(320)
    expect(played.duration).toBeGreaterThan(1.5)
    expect(played.at).toBeGreaterThan(1)
    const videoMs = Date.now() - started

    // a frame is redirected whole: the video document inside it is the extension's, served with ranges
    const frameUrl = `${origin}/ipfs/${videoCid}`
    await expect.poll(() => page.frames().map(f => f.url()), { timeout: 10_000 }).toContain(frameUrl)
    const frame = page.frames().find(candidate => candidate.url() === frameUrl)
    const inFrame = await frame!.evaluate(async () => {
      const video = document.querySelector('video')!
      video.muted = true
      if (video.readyState < 1) await new Promise(resolve => { video.onloadedmetadata = resolve })
      const target = video.duration * 0.75
      video.currentTime = target
      await new Promise(resolve => { video.onseeked = resolve })
      return { at: video.currentTime, target, width: video.videoWidth }
    })
    expect(inFrame.width).toBe(320)
    expect(inFrame.at).toBeCloseTo(inFrame.target, 0)
    expect(gatewayHits).toEqual([])
    console.log(`another origin: 3 images shown after ${imageMs} ms, the video seeked and playing after ${videoMs} ms`)
    await page.close()
  })

  test('what Chromium keeps from another origin (why the content script exists): its <img> and fetch() of the extension\'s /ipfs/ fail, its fetch() of a gateway is not redirected', async () => {
    gatewayHits.length = 0
    sitePages.set('/direct.html', `<!doctype html><img id="direct" src="${origin}/ipfs/${imageCid}">`)
    const page = await context.newPage()
    await page.goto(`${siteOrigin}/direct.html`)
    // the content script leaves URLs of the extension alone: this is Chromium's own answer
    await expect.poll(async () => page.locator('#direct').evaluate((img: HTMLImageElement) => img.complete)).toBe(true)
    expect(await page.locator('#direct').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(0)
    const fetched = await page.evaluate(async ({ direct, viaGateway }) => {
      const attempt = async (url: string): Promise<string> => fetch(url).then(async r => `${r.status} ${await r.text()}`, (err: Error) => `${err.name}: ${err.message}`)
      return { direct: await attempt(direct), viaGateway: await attempt(viaGateway) }
    }, { direct: `${origin}/ipfs/${textCid}`, viaGateway: `http://${gw}/ipfs/${textCid}` })
    expect(fetched.direct).toBe('TypeError: Failed to fetch')
    expect(fetched.viaGateway).toBe(`200 the public gateway's answer for /ipfs/${textCid}`)
    expect(gatewayHits).toEqual([`/ipfs/${textCid}`])
    await page.close()
  })

  test('navigations to public gateway URLs and ipfs:// links open the cafe\'s copy', async () => {
    gatewayHits.length = 0
    const page = await context.newPage()
    let started = Date.now()
    await page.goto(`http://${gw}/ipfs/${textCid}`)
    const pathMs = Date.now() - started
    expect(page.url()).toBe(`${origin}/ipfs/${textCid}`)
    await expect(page.locator('body')).toHaveText('hello from the extension\'s cafe')

    started = Date.now()
    await page.goto(`http://${textCid}.ipfs.dweb.link:${gw.split(':')[1]}/`)
    const subdomainMs = Date.now() - started
    expect(page.url()).toBe(`${origin}/ipfs/${textCid}/`)
    await expect(page.locator('body')).toHaveText('hello from the extension\'s cafe')

    sitePages.set('/links.html', `<!doctype html><a id="link" href="ipfs://${textCid}">text</a>`)
    await page.goto(`${siteOrigin}/links.html`)
    await expect(page.locator('#link')).toHaveAttribute('href', `${origin}/open?uri=${encodeURIComponent(`ipfs://${textCid}`)}`)
    started = Date.now()
    await page.locator('#link').click()
    await page.waitForURL(`${origin}/ipfs/${textCid}`)
    const linkMs = Date.now() - started
    await expect(page.locator('body')).toHaveText('hello from the extension\'s cafe')
    expect(gatewayHits).toEqual([])
    console.log(`navigation: path gateway ${pathMs} ms, subdomain gateway ${subdomainMs} ms, ipfs:// link ${linkMs} ms`)
    await page.close()
  })

  test('with the protocol handler registered in the popup, a typed ipfs:// address opens in the cafe', async () => {
    const popup = await openPopup()
    const cdp = await context.newCDPSession(popup)
    // what a person does by accepting the browser's prompt
    await cdp.send('Page.setRPHRegistrationMode', { mode: 'autoAccept' })
    await popup.getByTestId('register-protocol').click()
    await expect(popup.getByTestId('protocol-status')).toHaveText(/asked the browser/)
    await cdp.detach()
    await popup.close()

    const page = await context.newPage()
    const started = Date.now()
    await expect(async () => {
      await page.goto(`ipfs://${textCid}`, { timeout: 2_000 })
      expect(page.url()).toBe(`${origin}/ipfs/${textCid}`)
    }).toPass({ timeout: 10_000 })
    console.log(`typed ipfs:// address: ${Date.now() - started} ms`)
    await expect(page.locator('body')).toHaveText('hello from the extension\'s cafe')
    await page.close()
  })

  test('turned off in the popup, the page gets the public gateway\'s answer; on again, the cafe\'s', async () => {
    await setRedirection(false)
    gatewayHits.length = 0
    const page = await context.newPage()
    await page.goto(`${siteOrigin}/media.html`)
    await expect.poll(async () => page.locator('#path').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(3)
    expect(await page.locator('#path').getAttribute('data-cafe-state')).toBeNull()
    await page.goto(`http://${gw}/ipfs/${textCid}`)
    await expect(page.locator('body')).toHaveText(`the public gateway's answer for /ipfs/${textCid}`)
    expect(gatewayHits).toContain(`/ipfs/${imageCid}`)
    expect(gatewayHits).toContain(`/ipfs/${textCid}`)

    await setRedirection(true)
    gatewayHits.length = 0
    await page.goto(`http://${gw}/ipfs/${textCid}`)
    await expect(page.locator('body')).toHaveText('hello from the extension\'s cafe')
    expect(gatewayHits).toEqual([])
    await page.close()
  })

  test('content only a peer has is fetched over libp2p and checked', async () => {
    test.setTimeout(90_000)
    // the extension's cafe reachable at a cafe address, and a Node peer with content that dials it
    const popup = await openPopup()
    await popup.getByTestId('relay-input').fill(relay.multiaddrs()[0].toString())
    await popup.getByTestId('add-relay').click()
    await expect(popup.getByTestId('cafe-address')).toHaveText(/^cafe:z/, { timeout: 15_000 })
    const address = (await popup.getByTestId('cafe-address').textContent()) ?? ''
    await popup.close()

    const peer: CafeHelia = createCafeHelia({
      blockstore: new MemoryBlockstore(),
      datastore: new MemoryDatastore(),
      privateKey: await generateKeyPair('Ed25519'),
      transports: [webRTC(), webSockets(), circuitRelayTransport()],
      listen: [],
      allowPrivateDials: true
    })
    await peer.start()
    try {
      const bytes = pseudoRandomBytes(700 * 1024, 7)
      const cid = await unixfs(peer).addBytes(bytes)
      await connectCafe(peer.libp2p, address, { attemptTimeoutMs: 15_000 })

      const started = Date.now()
      // an extension page fetches it (another origin cannot fetch() chrome-extension:// URLs)
      const answer = await consolePage.evaluate(async (path) => {
        const response = await fetch(path)
        const body = new Uint8Array(await response.arrayBuffer())
        return { status: response.status, length: body.length, first: Array.from(body.subarray(0, 8)) }
      }, `/ipfs/${cid}`)
      console.log(`700 KiB fetched over libp2p from a peer and served: ${Date.now() - started} ms`)
      expect(answer).toEqual({ status: 200, length: bytes.length, first: Array.from(bytes.subarray(0, 8)) })
    } finally {
      await peer.stop()
    }
  })

  test('bad input gets a clear error in time: an unknown CID, a malformed ipfs:// URL or path, a cafe that went away mid-fetch', async () => {
    test.setTimeout(120_000)
    const page = await context.newPage()

    // malformed: at once
    let started = Date.now()
    await page.goto(`http://${gw}/ipfs/not-a-cid`)
    await expect(page.getByTestId('error-headline')).toHaveText('This is not a valid IPFS address')
    sitePages.set('/bad.html', `<!doctype html><a id="bad" href="ipfs://not-a-cid/x">bad</a><img id="badimg" src="ipfs://">`)
    await page.goto(`${siteOrigin}/bad.html`)
    await expect(page.locator('#badimg')).toHaveAttribute('data-cafe-state', 'error')
    await expect(page.locator('#badimg')).toHaveAttribute('data-cafe-error', /names no CID/)
    await page.locator('#bad').click()
    await expect(page.getByTestId('error-headline')).toHaveText('This is not a valid IPFS address')
    await expect(page.getByTestId('error-detail')).toHaveText(/invalid CID: not-a-cid \(400\)/)
    const malformedMs = Date.now() - started

    // unknown: nobody has it, the network timeout ends it
    started = Date.now()
    await page.goto(`http://${gw}/ipfs/${UNKNOWN_CID}`, { timeout: 20_000 })
    await expect(page.getByTestId('error-headline')).toHaveText('This content could not be found in time')
    await expect(page.getByText(/No peer the extension's cafe is connected to had it/)).toBeVisible()
    const unknownMs = Date.now() - started
    expect(unknownMs).toBeLessThan(15_000)
    sitePages.set('/unknown.html', `<!doctype html><img id="img" src="http://${gw}/ipfs/${UNKNOWN_CID}">`)
    started = Date.now()
    await page.goto(`${siteOrigin}/unknown.html`)
    await expect(page.locator('#img')).toHaveAttribute('data-cafe-state', 'error', { timeout: 20_000 })
    await expect(page.locator('#img')).toHaveAttribute('data-cafe-error', new RegExp(`^504: .*block ${UNKNOWN_CID}`))
    const unknownImageMs = Date.now() - started

    // the cafe (the offscreen document) goes away while the block is being looked for
    started = Date.now()
    const navigation = page.goto(`http://${gw}/ipfs/${UNKNOWN_CID}?again`, { timeout: 20_000 })
    await new Promise(resolve => setTimeout(resolve, 1_500))
    await worker.evaluate(async () => { await (globalThis as unknown as { chrome: { offscreen: { closeDocument(): Promise<void> } } }).chrome.offscreen.closeDocument() })
    const goneResponse = await navigation
    expect(goneResponse?.status()).toBe(504)
    await expect(page.getByTestId('error-headline')).toHaveText('This content could not be found in time')
    const goneMs = Date.now() - started
    expect(goneMs).toBeLessThan(15_000)
    console.log(`errors: malformed (3 cases) ${malformedMs} ms, unknown CID page ${unknownMs} ms, unknown CID image ${unknownImageMs} ms, cafe gone mid-fetch ${goneMs} ms`)

    // stored content is still served with the cafe gone (the service worker reads the store itself), and the cafe comes back
    await page.goto(`http://${gw}/ipfs/${textCid}`)
    await expect(page.locator('body')).toHaveText('hello from the extension\'s cafe')
    await worker.evaluate(async () => (globalThis as unknown as { cafeExtension: { ensureOffscreenDocument(): Promise<boolean> } }).cafeExtension.ensureOffscreenDocument())
    await page.close()
  })
})
