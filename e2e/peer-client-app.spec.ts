/**
 * Any app, on its own origin (a second static server on another port), uses the client
 * library's gateway worker: it connects to the cafe with its address and its /ipfs/ shows
 * the cafe's content, verified block by block (e2e/peer-client-app/).
 */
import { createReadStream, mkdtempSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { extname, join, normalize } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { expect, test } from '@playwright/test'
import { build } from 'vite'
import { createRelay, type Relay } from '../src/relay/relay.ts'
import { addThroughPage, makeMedia, openRelayedCafe, pseudoRandomBytes, tempDir } from './helpers.ts'

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' }

/** Serves `dir` at 127.0.0.1 on a free port: an origin that is not the cafe's. */
async function serve (dir: string): Promise<{ server: Server, origin: string }> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '')
    const file = join(dir, path === '' ? 'index.html' : path)
    if (!file.startsWith(dir) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      response.writeHead(404).end('not found')
      return
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
    createReadStream(file).pipe(response)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  const address = server.address()
  if (address == null || typeof address === 'string') throw new Error('no port')
  return { server, origin: `http://127.0.0.1:${address.port}` }
}

test.describe('an app on another origin with the client library\'s gateway worker', () => {
  let relay: Relay
  let app: { server: Server, origin: string }

  test.beforeAll(async () => {
    test.setTimeout(180_000)
    const dir = mkdtempSync(join(tmpdir(), 'cafe-client-app-'))
    await build({
      configFile: false,
      root: 'e2e/peer-client-app',
      logLevel: 'error',
      build: {
        outDir: dir,
        emptyOutDir: true,
        target: 'es2022',
        rollupOptions: {
          input: { main: 'e2e/peer-client-app/index.html', sw: 'e2e/peer-client-app/sw.ts' },
          output: { entryFileNames: chunk => chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js' }
        }
      }
    })
    app = await serve(dir)
    relay = await createRelay({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
  })

  test.afterAll(async () => {
    await relay?.stop()
    app?.server.close()
  })

  test('shows an image and seeks a video from the cafe, answers ranges, and says clearly when the CID is unknown or the connected page is gone', async ({ browser }) => {
    test.setTimeout(120_000)
    const cafeContext = await browser.newContext()
    const appContext = await browser.newContext()
    try {
      const owner = await cafeContext.newPage()
      const cafe = await openRelayedCafe(owner, relay.multiaddrs()[0].toString())
      const media = await makeMedia(owner)
      const dir = tempDir({ 'photo.png': media.png, 'clip.webm': media.webm, 'big.bin': pseudoRandomBytes(4 * 1024 * 1024, 5) })
      const photo = await addThroughPage(owner, 'file-input', join(dir, 'photo.png'), 'photo.png')
      const clip = await addThroughPage(owner, 'file-input', join(dir, 'clip.webm'), 'clip.webm')

      const page = await appContext.newPage()
      await page.goto(`${app.origin}/#cafe=${cafe.address}`)
      await expect(page.locator('body')).toHaveAttribute('data-ready', 'webrtc', { timeout: 30_000 })
      expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${app.origin}/sw.js`)

      const shown = await page.evaluate(async ({ photo, clip }) => {
        const img = document.createElement('img')
        img.src = `/ipfs/${photo}`
        document.body.append(img)
        await img.decode()
        const video = document.createElement('video')
        video.muted = true
        video.src = `/ipfs/${clip}`
        document.body.append(video)
        await new Promise((resolve, reject) => { video.onloadedmetadata = resolve; video.onerror = () => { reject(new Error(video.error?.message)) } })
        video.currentTime = Math.min(3, video.duration - 0.5)
        await new Promise(resolve => { video.onseeked = resolve })
        const range = await fetch(`/ipfs/${clip}`, { headers: { range: 'bytes=1000-1099' } })
        return { width: img.naturalWidth, time: video.currentTime, status: range.status, bytes: Array.from(new Uint8Array(await range.arrayBuffer())) }
      }, { photo, clip })
      expect(shown.width).toBe(320)
      expect(shown.time).toBeGreaterThan(2)
      expect(shown.status).toBe(206)
      expect(Buffer.from(shown.bytes).equals(media.webm.subarray(1000, 1100))).toBe(true)

      const errors = await page.evaluate(async () => {
        const answer = async (path: string): Promise<{ status: number, code?: string, ms: number }> => {
          const started = performance.now()
          const response = await fetch(path)
          const body = await response.json() as { error?: { code?: string } }
          return { status: response.status, code: body.error?.code, ms: performance.now() - started }
        }
        return { malformed: await answer('/ipfs/not-a-cid'), unknown: await answer('/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy') }
      })
      expect(errors.malformed).toMatchObject({ status: 400, code: 'CID_INVALID' })
      expect(errors.unknown).toMatchObject({ status: 504, code: 'BLOCK_UNAVAILABLE' })
      expect(errors.unknown.ms).toBeLessThan(15_000)

      // the page holding the connection closes: another page of the app gets a clear answer, soon
      const other = await appContext.newPage()
      await other.goto(`${app.origin}/`)
      await expect(other.locator('body')).toHaveAttribute('data-ready', 'no cafe')
      await page.close()
      const gone = await other.evaluate(async (cid) => {
        const started = performance.now()
        const response = await fetch(`/ipfs/${cid}`)
        return { status: response.status, body: await response.text(), ms: performance.now() - started }
      }, (await addThroughPage(owner, 'file-input', join(dir, 'big.bin'), 'big.bin')))
      expect(gone.status).toBe(504)
      expect(gone.body).toContain('no open page of this app is connected to a cafe')
      expect(gone.ms).toBeLessThan(5_000)
    } finally {
      await cafeContext.close()
      await appContext.close()
    }
  })
})
