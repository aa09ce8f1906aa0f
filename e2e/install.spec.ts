/**
 * The cafe page as an installable app: the web app manifest and icons in public/ are
 * served, and Chromium itself finds nothing that keeps the page from being installed.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test, type APIRequestContext, type Page } from '@playwright/test'
import { openCafe } from './helpers.ts'

interface WebAppManifest {
  name: string
  short_name: string
  start_url: string
  display: string
  theme_color: string
  icons: Array<{ src: string, sizes: string, type: string, purpose?: string }>
}

test('the cafe page links a valid web app manifest whose icons load, and Chromium sees it as installable', async ({ playwright, request, baseURL }, testInfo) => {
  // a profile of its own: Chromium does not install apps from an incognito (default) context
  const profile = mkdtempSync(join(tmpdir(), 'cafe-install-'))
  const { launchOptions } = testInfo.project.use
  const context = await playwright.chromium.launchPersistentContext(profile, { executablePath: launchOptions?.executablePath, args: launchOptions?.args, headless: true, baseURL })
  try {
    const page = context.pages()[0] ?? await context.newPage()
    await installable(page, request)
  } finally {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  }
})

async function installable (page: Page, request: APIRequestContext): Promise<void> {
  const peerId = await openCafe(page)
  // the console says which of the browser's cafes it drives
  await expect(page.getByTestId('which-cafe')).toHaveText(`This site's cafe (${new URL(page.url()).origin}), peer ${peerId.slice(0, 8)}…${peerId.slice(-4)}: it runs while a page of this site is open; the extension, if installed, runs another`)
  const href = await page.locator('link[rel="manifest"]').getAttribute('href')
  expect(href).toBe('/manifest.webmanifest')

  const response = await request.get(href!)
  expect(response.status()).toBe(200)
  expect(response.headers()['content-type']).toMatch(/^application\/manifest\+json/)
  const manifest = await response.json() as WebAppManifest
  expect(manifest).toMatchObject({ name: 'Browser cafe', short_name: 'Cafe', start_url: '/', display: 'standalone', theme_color: '#2d5fc4' })
  expect(manifest.icons.map(icon => `${icon.sizes} ${icon.purpose ?? 'any'}`)).toEqual(expect.arrayContaining(['192x192 any', '512x512 any', '512x512 maskable']))

  // every icon decodes at the size the manifest says; the favicons too
  const icons = [...manifest.icons.map(icon => ({ src: icon.src, sizes: icon.sizes })), { src: '/favicon.png', sizes: '32x32' }, { src: '/favicon.svg', sizes: 'any' }]
  const decoded = await page.evaluate(async (list) => Promise.all(list.map(async ({ src }) => {
    const img = new Image()
    img.src = src
    await img.decode()
    return `${img.naturalWidth}x${img.naturalHeight}`
  })), icons)
  icons.forEach((icon, i) => { if (icon.sizes !== 'any') expect(decoded[i], icon.src).toBe(icon.sizes) })

  const cdp = await page.context().newCDPSession(page)
  const { url, errors, data } = await cdp.send('Page.getAppManifest') as { url: string, errors: Array<{ message: string }>, data?: string }
  expect(url).toMatch(/\/manifest\.webmanifest$/)
  expect(errors).toEqual([])
  expect(JSON.parse(data ?? '{}')).toMatchObject({ name: 'Browser cafe' })
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors')
  expect(installabilityErrors).toEqual([])
}

test('the demo client links the same manifest and favicon', async ({ page }) => {
  await page.goto('/client.html')
  await expect(page.locator('link[rel="manifest"]')).toHaveAttribute('href', '/manifest.webmanifest')
  expect(await page.evaluate(async () => {
    const img = new Image()
    img.src = (document.querySelector('link[rel="icon"][type="image/png"]') as HTMLLinkElement).href
    await img.decode()
    return img.naturalWidth
  })).toBe(32)
})
