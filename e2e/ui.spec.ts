import { join } from 'node:path'
import { expect, test, type Page, type TestInfo } from '@playwright/test'
import { createToken, openCafe, openClient, pseudoRandomBytes, registerClient, tempDir } from './helpers.ts'

/** A full-page screenshot kept with the test's results (and attached to its report). */
async function keepScreenshot (page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`)
  await page.screenshot({ path, fullPage: true })
  await testInfo.attach(name, { path, contentType: 'image/png' })
  // a tall phone page is also kept in screen-high parts, readable at full size
  const { width, height } = page.viewportSize() ?? { width: 0, height: 0 }
  const full = await page.evaluate(() => document.documentElement.scrollHeight)
  if (width < 600) {
    for (let y = 0, part = 1; y < full; y += height, part++) {
      await page.screenshot({ path: testInfo.outputPath(`${name}-part${part}.png`), fullPage: true, clip: { x: 0, y, width, height: Math.min(height, full - y) } })
    }
  }
}

async function noHorizontalOverflow (page: Page): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.scrollingElement?.scrollWidth ?? 0, innerWidth: window.innerWidth }))
  expect(scrollWidth, `page is ${scrollWidth} px wide in a ${innerWidth} px viewport`).toBeLessThanOrEqual(innerWidth)
}

/** The progress bar's byte counts as they change, sampled until `done` resolves. */
async function sampleProgress (page: Page, testId: string, done: Promise<unknown>): Promise<number[]> {
  const seen: number[] = []
  let finished = false
  void done.finally(() => { finished = true })
  while (!finished) {
    const bytes = await page.getByTestId(testId).getAttribute('data-bytes').catch(() => null)
    if (bytes != null && Number(bytes) !== seen.at(-1)) seen.push(Number(bytes))
    await page.waitForTimeout(20)
  }
  await done
  return seen
}

test('the console at 1280 and 390 px: no sideways scroll, a first-run card, a token issued and copied, status lines by their panels', async ({ page, context }, testInfo) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'])
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.evaluate(() => localStorage.clear()).catch(() => {})
  await openCafe(page)
  await expect(page.getByTestId('first-run')).toBeVisible()
  // no Copy beside "none yet"
  await expect(page.getByTestId('copy-address')).toBeHidden()

  const token = await createToken(page, 'a phone with a rather long label to wrap')
  const created = page.getByTestId('token-created')
  // the status line sits right under the form whose button made it
  const formBox = await page.getByTestId('token-form').boundingBox()
  const statusBox = await created.boundingBox()
  expect(statusBox!.y - (formBox!.y + formBox!.height)).toBeLessThan(40)
  await page.getByTestId('copy-token').click()
  await expect(page.getByTestId('copy-token')).toHaveText('Copied')
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token)

  // a client registers, so the Clients table has a row with usage and quota
  const client = await context.newPage()
  const account = await openClient(client)
  await registerClient(client, token)
  const row = page.locator(`[data-testid="client-list"] tr[data-account="${account}"]`)
  await expect(row).toBeVisible({ timeout: 10_000 })
  await row.getByLabel('Storage (MiB)').fill('0.05')
  await row.getByRole('button', { name: 'Set' }).click()
  await expect(row.getByTestId('client-status')).toHaveText(/^Saved: 51\.2 KiB storage/)
  await expect(row.locator('input[name="storage-mib"]')).toHaveValue('0.05')
  // a negative size is refused in the field, with the reason beside it
  await row.getByLabel('Storage (MiB)').fill('-1')
  await expect(row.getByText('a number of MiB, 0 or more')).toBeVisible()
  expect(await row.locator('input[name="storage-mib"]').evaluate(input => (input as HTMLInputElement).validity.valid)).toBe(false)
  await page.locator('h1').click() // leave the field: the table redraws with the saved value
  await expect(row.locator('input[name="storage-mib"]')).toHaveValue('0.05', { timeout: 5_000 })

  const dir = tempDir({ 'notes.txt': 'hello\n' })
  await page.getByTestId('file-input').setInputFiles(join(dir, 'notes.txt'))
  await expect(page.getByTestId('add-progress')).toHaveText(/^Added notes\.txt/)
  await keepScreenshot(page, testInfo, 'console-1280')

  await page.setViewportSize({ width: 390, height: 844 })
  await page.waitForTimeout(2_500) // one refresh at the new size
  await noHorizontalOverflow(page)
  // a table row reads as a card: each cell says what it is
  await expect(row.locator('td').first()).toHaveAttribute('data-label', 'Account')
  await keepScreenshot(page, testInfo, 'console-390')
})

test('the progress bar moves during a multi-MiB add in the console', async ({ page }) => {
  await openCafe(page)
  const size = 24 * 1024 * 1024
  const dir = tempDir({ 'big.bin': pseudoRandomBytes(size, 11) })
  const added = page.getByTestId('file-input').setInputFiles(join(dir, 'big.bin'))
    .then(() => expect(page.getByTestId('add-progress')).toHaveText(/^Added big\.bin/, { timeout: 60_000 }))
  const seen = await sampleProgress(page, 'add-progress-bar', added)
  expect(seen.length, `progress seen: ${seen.join(', ')}`).toBeGreaterThan(2)
  expect(seen.some(bytes => bytes > 0 && bytes < size)).toBe(true)
  expect(seen.at(-1)).toBe(size)
  await expect(page.getByTestId('add-progress-bar')).toContainText(/24\.0 MiB of 24\.0 MiB · [\d.]+ (KiB|MiB|GiB)\/s/)
})
