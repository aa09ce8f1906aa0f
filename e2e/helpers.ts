import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodePng } from '../scripts/png.mjs'
import { expect, type Page } from '@playwright/test'

/** Opens the cafe page and waits until the node runs and the gateway controls the page. */
export async function openCafe (page: Page): Promise<string> {
  await page.goto('/')
  await expect(page.getByTestId('peer-id')).toHaveText(/^12D3Koo/, { timeout: 15_000 })
  await expect(page.getByTestId('gateway')).toHaveText(/serving/, { timeout: 15_000 })
  return (await page.getByTestId('peer-id').textContent()) ?? ''
}

export { pseudoRandomBytes } from '../test/core/crypto/helpers.ts'

export function tempDir (files: Record<string, string | Uint8Array>): string {
  const root = mkdtempSync(join(tmpdir(), 'cafe-e2e-'))
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path)
    mkdirSync(join(full, '..'), { recursive: true })
    writeFileSync(full, content)
  }
  return root
}

/** Adds files through the page's picker and returns the CID of the row named `name`. */
export async function addThroughPage (page: Page, input: 'file-input' | 'folder-input', paths: string | string[], name: string): Promise<string> {
  await page.getByTestId(input).setInputFiles(paths)
  const row = page.getByTestId('library').locator('tr', { hasText: name }).first()
  await expect(row).toBeVisible({ timeout: 30_000 })
  const cid = await row.getAttribute('data-cid')
  if (cid == null) throw new Error(`no CID for ${name}`)
  return cid
}

/** Creates a one-use access token in the console and returns its secret. */
export async function createToken (console: Page, label: string): Promise<string> {
  const secret = console.getByTestId('token-secret')
  const previous = await secret.count() > 0 ? await secret.textContent() : null
  await console.getByLabel('Label').fill(label)
  await console.getByLabel('Uses (0 = unlimited)').fill('1')
  await console.getByTestId('create-token').click()
  await expect(secret).toHaveText(/^[A-Za-z0-9_-]{43,}$/)
  if (previous != null) await expect(secret).not.toHaveText(previous)
  return (await secret.textContent()) ?? ''
}

/** Opens the demo client page and returns its account id. */
export async function openClient (page: Page): Promise<string> {
  await page.goto('/client.html')
  await expect(page.getByTestId('account-id')).toHaveText(/^12D3Koo/, { timeout: 15_000 })
  return (await page.getByTestId('account-id').textContent()) ?? ''
}

/** Registers the client page's account with a token. */
export async function registerClient (client: Page, token: string): Promise<void> {
  await client.getByTestId('token-input').fill(token)
  await client.getByTestId('register').click()
  await expect(client.getByTestId('client-output')).toHaveText('registered')
}

/** Opens the cafe console with `?relay=` and waits until it holds a reservation and carries WebRTC. */
export async function openRelayedCafe (page: Page, relay: string): Promise<{ peerId: string, address: string }> {
  await page.goto(`/?relay=${encodeURIComponent(relay)}`)
  await expect(page.getByTestId('peer-id')).toHaveText(/^12D3Koo/, { timeout: 15_000 })
  await expect(page.locator(`[data-relay="${relay}"] [data-testid="relay-state"]`)).toHaveAttribute('data-reserved', 'true', { timeout: 10_000 })
  await expect(page.getByTestId('webrtc-host')).toContainText('carried by this page')
  await expect(page.getByTestId('cafe-address')).toHaveText(/^cafe:z/)
  await expect(page.getByTestId('cafe-qr').locator('svg')).toBeVisible()
  return { peerId: (await page.getByTestId('peer-id').textContent()) ?? '', address: (await page.getByTestId('cafe-address').textContent()) ?? '' }
}

/** Opens the demo client on a cafe address and waits for the connection. */
export async function connectClient (page: Page, address: string): Promise<void> {
  await page.goto(`/client.html#cafe=${address}`)
  await expect(page.getByTestId('connect-state')).toHaveText(/^connected over /, { timeout: 30_000 })
  await expect(page.getByTestId('account-id')).toHaveText(/^12D3Koo/)
}

/**
 * A PNG (160×120) and a WebM video (about 4 s of noise, several MiB, so seeking reads
 * ranges across blocks) made by the browser itself: a canvas and a MediaRecorder.
 */
export async function makeMedia (page: Page): Promise<{ png: Buffer, webm: Buffer }> {
  const { png, webm } = await page.evaluate(async () => {
    const canvas = document.createElement('canvas')
    canvas.width = 320
    canvas.height = 240
    const ctx = canvas.getContext('2d') as CanvasRenderingContext2D
    const noise = (): void => {
      const image = ctx.createImageData(320, 240)
      crypto.getRandomValues(image.data.subarray(0, 65536))
      for (let i = 65536; i < image.data.length; i += 65536) crypto.getRandomValues(image.data.subarray(i, Math.min(i + 65536, image.data.length)))
      for (let i = 3; i < image.data.length; i += 4) image.data[i] = 255
      ctx.putImageData(image, 0, 0)
    }
    noise()
    const base64 = async (blob: Blob): Promise<string> => new Promise(resolve => {
      const reader = new FileReader()
      reader.onload = () => { resolve(String(reader.result).split(',')[1]) }
      reader.readAsDataURL(blob)
    })
    const png = await new Promise<Blob>(resolve => { canvas.toBlob(blob => { resolve(blob as Blob) }, 'image/png') })
    const recorder = new MediaRecorder(canvas.captureStream(15), { mimeType: 'video/webm;codecs=vp8', videoBitsPerSecond: 8_000_000 })
    const chunks: Blob[] = []
    recorder.ondataavailable = (event) => { chunks.push(event.data) }
    recorder.start()
    const started = performance.now()
    await new Promise<void>(resolve => {
      const tick = (): void => { noise(); if (performance.now() - started < 4_000) requestAnimationFrame(tick); else resolve() }
      tick()
    })
    recorder.stop()
    await new Promise(resolve => { recorder.onstop = resolve })
    return { png: await base64(png), webm: await base64(new Blob(chunks, { type: 'video/webm' })) }
  })
  return { png: Buffer.from(png, 'base64'), webm: Buffer.from(webm, 'base64') }
}

/** The demo client's account key, as its "Show key" button shows it. */
export async function exportKey (client: Page): Promise<string> {
  await client.locator('summary', { hasText: 'Account key' }).click()
  await client.getByTestId('export-key').click()
  return (await client.getByTestId('exported-key').textContent()) ?? ''
}

/** Imports an account key into the demo client: this page becomes that account. */
export async function becomeAccount (client: Page, key: string): Promise<void> {
  await client.locator('summary', { hasText: 'Account key' }).click()
  await client.getByTestId('import-key-form').locator('input').fill(key)
  await client.getByTestId('import-key-form').getByRole('button').click()
  await expect(client.getByTestId('client-output')).toHaveText('key imported')
}

/** A valid RGB PNG of the given size, drawn as a gradient. */
export function png (width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = 3 * (y * width + x)
      pixels[at] = x * 4
      pixels[at + 1] = y * 5
      pixels[at + 2] = 128
    }
  }
  return encodePng(width, height, 3, pixels)
}
