/**
 * Fetches dropped mid-body leave nothing stuck in the Service Worker or the SharedWorker:
 * after many aborted reads (plain, range, `?key=` decrypted, and `/api/` requests the
 * Service Worker forwards to the SharedWorker), and after a frame closed while its fetch
 * was streaming, the next fetch of each kind works and reads byte-equal.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 as sha256Hasher } from 'multiformats/hashes/sha2'
import { encryptBytes, formatFileKey } from '../src/core/crypto/index.ts'
import { addThroughPage, openCafe, pseudoRandomBytes, tempDir } from './helpers.ts'

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/** The built SharedWorker script: a page that opens it by the same URL and name joins the running cafe. */
const WORKER_URL = `/assets/${readdirSync(join(import.meta.dirname, '..', 'dist', 'assets')).find(name => /^cafe\.worker-.*\.js$/.test(name)) ?? 'missing'}`

/** How many Service Worker calls (API requests, block fetches) the SharedWorker is answering now. */
async function serviceWorkerCalls (page: Page): Promise<number> {
  return page.evaluate(async (url) => {
    // the SharedWorker speaks comlink: one APPLY of `status` on a fresh port
    const worker = new SharedWorker(url, { type: 'module', name: 'default' })
    const id = crypto.randomUUID()
    const reply = new Promise<any>((resolve) => {
      worker.port.onmessage = (event) => { if (event.data?.id === id) resolve(event.data) }
    })
    worker.port.start()
    worker.port.postMessage({ id, type: 'APPLY', path: ['status'], argumentList: [] })
    const { value } = await reply
    worker.port.close()
    return value.serviceWorkerCalls as number
  }, WORKER_URL)
}

interface Target {
  url: string
  range?: string
}

/** Starts each fetch, reads its first chunk (or waits a moment, for the API), then aborts it. */
async function abortMidBody (page: Page, targets: Target[], rounds: number): Promise<{ aborted: number, finishedFirst: number }> {
  return page.evaluate(async ({ targets, rounds }) => {
    let aborted = 0
    let finishedFirst = 0
    for (let round = 0; round < rounds; round++) {
      await Promise.all(targets.map(async ({ url, range }, i) => {
        const controller = new AbortController()
        try {
          const response = await fetch(url, { signal: controller.signal, headers: range == null ? {} : { Range: range } })
          const reader = response.body!.getReader()
          const first = await reader.read()
          if (first.done) finishedFirst++
          // some rounds abort at once, some after a little more of the body
          if ((round + i) % 3 === 1) await reader.read()
          controller.abort()
          await reader.read().catch(() => {})
          aborted++
        } catch (err) {
          if ((err as Error).name !== 'AbortError') throw err
          aborted++
        }
      }))
    }
    return { aborted, finishedFirst }
  }, { targets, rounds })
}

/** Aborts API fetches at random moments: before the answer, or as it arrives. */
async function abortApi (page: Page, count: number): Promise<number> {
  return page.evaluate(async (count) => {
    let aborted = 0
    await Promise.all(Array.from({ length: count }, async (_, i) => {
      const controller = new AbortController()
      const pending = fetch(i % 2 === 0 ? '/api/v0/cafe' : '/api/v0/directory/search?q=zz', { signal: controller.signal })
      setTimeout(() => { controller.abort() }, i % 7)
      try {
        const response = await pending
        await response.arrayBuffer()
      } catch (err) {
        if ((err as Error).name !== 'AbortError') throw err
        aborted++
      }
    }))
    return aborted
  }, count)
}

async function digestOf (page: Page, url: string, range?: string): Promise<{ status: number, hash: string, length: number }> {
  return page.evaluate(async ({ url, range }) => {
    const response = await fetch(url, { headers: range == null ? {} : { Range: range }, signal: AbortSignal.timeout(20_000) })
    const bytes = await response.arrayBuffer()
    const hash = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), b => b.toString(16).padStart(2, '0')).join('')
    return { status: response.status, hash, length: bytes.byteLength }
  }, { url, range })
}

test('fetches aborted mid-body leave the gateway and the API working, byte-equal', async ({ page }) => {
  test.setTimeout(180_000)
  await openCafe(page)
  const plain = pseudoRandomBytes(6 * 1024 * 1024, 7)
  const secret = pseudoRandomBytes(3 * 1024 * 1024, 8)
  const { ciphertext, key } = await encryptBytes(secret)
  const dir = tempDir({ 'big.bin': plain, 'secret.bin': Buffer.from(ciphertext) })
  const plainCid = await addThroughPage(page, 'file-input', join(dir, 'big.bin'), 'big.bin')
  const secretCid = await addThroughPage(page, 'file-input', join(dir, 'secret.bin'), 'secret.bin')

  const from = 2 * 1024 * 1024 + 123
  const secretUrl = `/ipfs/${secretCid}?key=${formatFileKey(key)}`
  const targets: Target[] = [
    { url: `/ipfs/${plainCid}` },
    { url: `/ipfs/${plainCid}`, range: `bytes=${from}-` },
    { url: secretUrl },
    { url: secretUrl, range: `bytes=${from}-` }
  ]
  const started = Date.now()
  const { aborted, finishedFirst } = await abortMidBody(page, targets, 15)
  expect(aborted).toBe(60)
  expect(finishedFirst).toBe(0) // every body was cut off mid-way, not after its end
  expect(await abortApi(page, 40)).toBeGreaterThan(0)
  console.log(`aborted ${aborted} gateway reads and 40 API calls in ${Date.now() - started} ms`)

  // the next fetch of each kind works and reads byte-equal
  expect(await digestOf(page, `/ipfs/${plainCid}`)).toEqual({ status: 200, hash: sha256(plain), length: plain.length })
  expect(await digestOf(page, `/ipfs/${plainCid}`, `bytes=${from}-`)).toEqual({ status: 206, hash: sha256(plain.subarray(from)), length: plain.length - from })
  expect(await digestOf(page, secretUrl)).toEqual({ status: 200, hash: sha256(secret), length: secret.length })
  expect(await digestOf(page, secretUrl, `bytes=${from}-`)).toEqual({ status: 206, hash: sha256(secret.subarray(from)), length: secret.length - from })
  const info = await page.evaluate(async () => {
    const response = await fetch('/api/v0/cafe', { signal: AbortSignal.timeout(10_000) })
    return { status: response.status, body: await response.json() }
  })
  expect(info).toMatchObject({ status: 200, body: { peerId: expect.stringMatching(/^12D3Koo/) } })
  // the page's own line to the SharedWorker is unharmed too, and nothing is left in flight there
  await expect(page.getByTestId('peer-id')).toHaveText(/^12D3Koo/)
  await expect.poll(async () => serviceWorkerCalls(page), { timeout: 5_000 }).toBe(0)
})

test('a closed frame stops the SharedWorker\'s network search for its fetches; an aborted one ends by the network timeout', async ({ page }) => {
  test.setTimeout(90_000)
  await openCafe(page)
  const missing = async (): Promise<string> => CID.createV1(raw.code, await sha256Hasher.digest(randomBytes(32))).toString()

  // a frame asks for blocks nobody has: the SharedWorker searches the network for them (10 s)
  const inFrame = [await missing(), await missing(), await missing()]
  await page.evaluate((cids) => {
    const frame = document.createElement('iframe')
    frame.id = 'asker'
    frame.srcdoc = `<script>${cids.map(cid => `fetch('/ipfs/${cid}')`).join(';')}</script>`
    document.body.append(frame)
  }, inFrame)
  await expect.poll(async () => serviceWorkerCalls(page), { timeout: 5_000 }).toBe(3)
  const closedAt = Date.now()
  await page.evaluate(() => { document.getElementById('asker')?.remove() })
  await expect.poll(async () => serviceWorkerCalls(page), { timeout: 4_000 }).toBe(0)
  console.log(`the SharedWorker let go of 3 network fetches ${Date.now() - closedAt} ms after their frame closed`)

  // Chromium does not tell a Service Worker that a live page aborted a fetch still waiting
  // for its answer: the search ends with the network timeout, and nothing stays behind
  const aborted = [await missing(), await missing()]
  const abortedAt = Date.now()
  const outcomes = await page.evaluate(async (cids) => Promise.all(cids.map(async (cid) => {
    const controller = new AbortController()
    setTimeout(() => { controller.abort() }, 500)
    return fetch(`/ipfs/${cid}`, { signal: controller.signal }).then(r => `status ${r.status}`, err => (err as Error).name)
  })), aborted)
  expect(outcomes).toEqual(['AbortError', 'AbortError'])
  await expect.poll(async () => serviceWorkerCalls(page), { timeout: 15_000, intervals: [500] }).toBe(0)
  expect(Date.now() - abortedAt).toBeLessThan(15_000)
  // and the gateway still answers: a stored block right away
  const dir = tempDir({ 'after.bin': pseudoRandomBytes(300_000, 3) })
  const cid = await addThroughPage(page, 'file-input', join(dir, 'after.bin'), 'after.bin')
  expect(await digestOf(page, `/ipfs/${cid}`)).toEqual({ status: 200, hash: sha256(pseudoRandomBytes(300_000, 3)), length: 300_000 })
})

test('a frame closed while its fetches stream leaves nothing stuck', async ({ page }) => {
  test.setTimeout(120_000)
  await openCafe(page)
  const plain = pseudoRandomBytes(5 * 1024 * 1024, 9)
  const secret = pseudoRandomBytes(3 * 1024 * 1024, 10)
  const { ciphertext, key } = await encryptBytes(secret)
  const dir = tempDir({ 'frame.bin': plain, 'frame-secret.bin': Buffer.from(ciphertext) })
  const cid = await addThroughPage(page, 'file-input', join(dir, 'frame.bin'), 'frame.bin')
  const secretCid = await addThroughPage(page, 'file-input', join(dir, 'frame-secret.bin'), 'frame-secret.bin')
  const secretUrl = `/ipfs/${secretCid}?key=${formatFileKey(key)}`

  const closed = await page.evaluate(async ({ cid, secretUrl }) => {
    let closed = 0
    for (let i = 0; i < 8; i++) {
      const frame = document.createElement('iframe')
      const reading = new Promise<void>((resolve, reject) => {
        const onMessage = (event: MessageEvent): void => {
          if (event.source !== frame.contentWindow) return
          window.removeEventListener('message', onMessage)
          if (event.data === 'reading') resolve()
          else reject(new Error(String(event.data)))
        }
        window.addEventListener('message', onMessage)
      })
      // the frame streams a file, a decrypted file and an API call through the Service Worker, and is removed mid-body
      frame.srcdoc = `<script>
        Promise.all([
          fetch('/ipfs/${cid}').then(r => r.body.getReader().read()),
          fetch('${secretUrl}').then(r => r.body.getReader().read()),
          fetch('/api/v0/cafe')
        ]).then(() => parent.postMessage('reading', '*'), err => parent.postMessage('failed: ' + err, '*'))
      </script>`
      document.body.append(frame)
      await reading
      frame.remove()
      closed++
    }
    return closed
  }, { cid, secretUrl })
  expect(closed).toBe(8)

  expect(await digestOf(page, `/ipfs/${cid}`)).toEqual({ status: 200, hash: sha256(plain), length: plain.length })
  expect(await digestOf(page, secretUrl)).toEqual({ status: 200, hash: sha256(secret), length: secret.length })
  const status = await page.evaluate(async () => (await fetch('/api/v0/cafe', { signal: AbortSignal.timeout(10_000) })).status)
  expect(status).toBe(200)
  await expect.poll(async () => serviceWorkerCalls(page), { timeout: 5_000 }).toBe(0)
})
