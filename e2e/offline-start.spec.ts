import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { expect, test, type BrowserContext } from '@playwright/test'
import { tempDir } from './helpers.ts'

/** A free loopback port for a site server of this test's own, which it can stop. */
async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

async function startSite (port: number): Promise<ChildProcess> {
  const site = spawn(process.execPath, ['scripts/serve.mjs'], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'inherit'] })
  await once(site.stdout!, 'data')
  return site
}

async function stopSite (site: ChildProcess): Promise<void> {
  if (site.exitCode != null) return
  site.kill()
  await once(site, 'exit')
}

/** How long the first navigation of a restarted browser may take with the site server down. */
const ANSWER_MS = 5_000

test('with the site server stopped, a restarted browser opens the cafe pages from its cache at once', async ({ playwright }) => {
  const port = await freePort()
  const baseURL = `http://127.0.0.1:${port}`
  const profile = tempDir({})
  const { launchOptions } = test.info().project.use
  const launch = async (): Promise<BrowserContext> => playwright.chromium.launchPersistentContext(profile, { ...launchOptions, baseURL })
  const site = await startSite(port)
  let context: BrowserContext | undefined
  try {
    context = await launch()
    let page = context.pages()[0] ?? await context.newPage()
    await page.goto('/')
    // controlled means installed, and the install cached the site's files
    await page.waitForFunction(() => navigator.serviceWorker.controller != null, null, { timeout: 15_000 })
    await context.close()
    await stopSite(site)

    context = await launch()
    page = context.pages()[0] ?? await context.newPage()
    let started = Date.now()
    const response = await page.goto('/', { timeout: ANSWER_MS })
    const firstMs = Date.now() - started
    expect(response?.status()).toBe(200)
    test.info().annotations.push({ type: 'first navigation', description: `${firstMs} ms` })
    // the page's own script and styles come from the cache too: the console starts its node
    await expect(page.getByTestId('peer-id')).toHaveText(/^12D3Koo/, { timeout: 15_000 })

    started = Date.now()
    await page.goto('/client.html', { timeout: ANSWER_MS })
    expect(Date.now() - started).toBeLessThan(ANSWER_MS)
    await expect(page.locator('body')).not.toBeEmpty()

    // a page the site never had: an error page that says the server is down, not a hang
    const missing = await page.goto('/no-such-page.html', { timeout: ANSWER_MS })
    expect(missing?.status()).toBe(503)
    await expect(page.getByTestId('error-headline')).toHaveText('This page could not be loaded')
    await expect(page.getByTestId('retry')).toBeVisible()
  } finally {
    await context?.close()
    await stopSite(site)
  }
})
