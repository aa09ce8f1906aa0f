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

/** Every byte count the progress bar showed until `done` resolves (recorded in the page, so a busy page misses none). */
async function sampleProgress (page: Page, testId: string, done: Promise<unknown>): Promise<number[]> {
  await done
  return page.evaluate(id => (window as unknown as { progressSeen: Record<string, number[]> }).progressSeen?.[id] ?? [], testId)
}

/** Records the byte counts of the page's progress bars as they change. */
async function recordProgress (page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, number[]> = {}
    ;(window as unknown as { progressSeen: typeof seen }).progressSeen = seen
    new MutationObserver(records => {
      for (const record of records) {
        const element = record.target as HTMLElement
        const id = element.dataset.testid
        if (id != null && element.dataset.bytes != null) (seen[id] ??= []).push(Number(element.dataset.bytes))
      }
    }).observe(document.body, { attributes: true, attributeFilter: ['data-bytes'], subtree: true })
  })
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
  await recordProgress(page)
  const added = page.getByTestId('file-input').setInputFiles(join(dir, 'big.bin'))
    .then(() => expect(page.getByTestId('add-progress')).toHaveText(/^Added big\.bin/, { timeout: 60_000 }))
  const seen = await sampleProgress(page, 'add-progress-bar', added)
  expect(seen.length, `progress seen: ${seen.join(', ')}`).toBeGreaterThan(2)
  expect(seen.some(bytes => bytes > 0 && bytes < size)).toBe(true)
  expect(seen.at(-1)).toBe(size)
  await expect(page.getByTestId('add-progress-bar')).toContainText(/24\.0 MiB of 24\.0 MiB · [\d.]+ (KiB|MiB|GiB)\/s/)
})

test('the client at 1280 and 390 px: a backup with a moving progress bar, status lines by their panels, pins as a list', async ({ page, context }, testInfo) => {
  await openCafe(page)
  const client = await context.newPage()
  await client.setViewportSize({ width: 1280, height: 900 })
  const account = await openClient(client)
  await expect(client.getByTestId('transport-lede')).toHaveText(/HTTP API of this site's cafe/)
  // the thread id pattern compiles in the `v` flag mode, so the browser validates it
  await client.getByTestId('snapshot-thread').fill('not a thread id!')
  expect(await client.getByTestId('snapshot-thread').evaluate(input => (input as HTMLInputElement).validity.patternMismatch)).toBe(true)
  await registerClient(client, await createToken(page, 'ui test'))
  await expect(client.getByTestId('session-state')).toHaveText(/^signed in/)

  // a 12 MiB backup: the bar shows packing, then the upload, with bytes and a rate
  const size = 12 * 1024 * 1024
  const dir = tempDir({ 'album/photo.bin': pseudoRandomBytes(size, 5), 'album/notes.txt': 'hi\n' })
  await recordProgress(client)
  const done = client.getByTestId('backup-folder').setInputFiles(join(dir, 'album'))
    .then(() => expect(client.getByTestId('backup-output')).toHaveText(/^pinned \S+ \(pinned\)$/, { timeout: 60_000 }))
  const seen = await sampleProgress(client, 'backup-progress-bar', done)
  expect(seen.length, `progress seen: ${seen.join(', ')}`).toBeGreaterThan(4)
  expect(seen.some(bytes => bytes > 0 && bytes < size)).toBe(true)
  await expect(client.getByTestId('backup-progress-bar')).toHaveAttribute('data-phase', 'Uploaded')
  await expect(client.getByTestId('backup-progress-bar')).toContainText(/Uploaded: 12\.0 MiB of 12\.0 MiB · [\d.]+ (KiB|MiB|GiB)\/s/)

  // each panel's status line sits under its own buttons
  await client.getByTestId('list-pins').click()
  await expect(client.getByTestId('pin-list').locator('li[data-status="pinned"]')).toContainText('album')
  await expect(client.getByTestId('backup-output')).toHaveText('1 pin')
  for (const [button, status] of [['list-pins', 'backup-output'], ['whoami', 'client-output']] as const) {
    const buttonBox = await client.getByTestId(button).boundingBox()
    const statusBox = await client.getByTestId(status).boundingBox()
    expect(statusBox!.y - (buttonBox!.y + buttonBox!.height), `${status} under ${button}`).toBeLessThan(60)
    expect(statusBox!.y).toBeGreaterThan(buttonBox!.y)
  }
  await client.getByTestId('whoami').click()
  await expect(client.getByTestId('client-output')).toContainText(`"account": "${account}"`)
  // a bad JSON metadata is said plainly, beside the snapshot form, with no stray ": "
  await client.getByTestId('snapshot-thread').fill('t1')
  await client.getByTestId('snapshot-metadata').fill('{oops')
  await client.getByTestId('save-snapshot').click()
  await expect(client.getByTestId('snapshot-status')).toHaveText(/^Metadata is not JSON/)
  // the account key stays hidden until asked
  await client.locator('summary', { hasText: 'Account key' }).click()
  await expect(client.getByTestId('exported-key')).toBeHidden()
  await client.getByTestId('export-key').click()
  await expect(client.getByTestId('exported-key')).toBeVisible()
  await client.getByTestId('export-key').click()
  await expect(client.getByTestId('exported-key')).toBeHidden()
  await keepScreenshot(client, testInfo, 'client-1280')

  await client.setViewportSize({ width: 390, height: 844 })
  await noHorizontalOverflow(client)
  await keepScreenshot(client, testInfo, 'client-390')

  // a message from a peer with a signed contact shows its directory name
  await client.getByTestId('contact-username').fill('uitester')
  await client.getByTestId('contact-display-name').fill('UI Tester')
  await client.getByTestId('publish-contact').click()
  await expect(client.getByTestId('contact-status')).toHaveText(/^published @uitester/)
  await client.getByTestId('search-input').fill('uitester')
  await client.getByTestId('search').click()
  await client.getByTestId('message-text').fill('note to self')
  await client.getByTestId('send-message').click()
  await expect(client.getByTestId('contact-status')).toHaveText(/^delivered/)
  await client.getByTestId('check-inbox').click()
  await expect(client.getByTestId('inbox-status')).toHaveText('1 message(s) waiting')
  await expect(client.getByTestId('message-sender')).toHaveText('UI Tester (@uitester)')
  await expect(client.getByTestId('message-from')).toHaveText(account)

  // the owner removes the client: its header says so at the next call
  page.on('dialog', dialog => { void dialog.accept() })
  await page.locator(`[data-testid="client-list"] tr[data-account="${account}"]`).getByTestId('remove-client').click()
  await client.getByTestId('whoami').click()
  await expect(client.getByTestId('session-state')).toHaveText(/^not signed in: the cafe refused this account/)
})

test('a tab opened at an unknown or bad /ipfs/ address gets a page that says so and offers a retry; fetch keeps JSON', async ({ page }) => {
  await openCafe(page)
  const tab = await page.context().newPage()
  await tab.goto('/ipfs/not-a-cid')
  await expect(tab.getByTestId('error-headline')).toHaveText('This is not a valid IPFS address')
  await expect(tab.getByTestId('retry')).toHaveAttribute('href', '/ipfs/not-a-cid')

  // a CID nobody has: the page after the time limit
  const unknown = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
  const started = Date.now()
  await tab.goto(`/ipfs/${unknown}`, { timeout: 30_000 })
  await expect(tab.getByTestId('error-headline')).toHaveText(/could not be found in time|could not fetch|not running/)
  expect(Date.now() - started).toBeLessThan(20_000)
  await expect(tab.getByTestId('retry')).toBeVisible()

  const answers = await tab.evaluate(async () => {
    const json = await fetch('/ipfs/not-a-cid', { headers: { accept: 'application/json' } })
    const plain = await fetch('/ipfs/not-a-cid')
    return { jsonType: json.headers.get('content-type'), json: await json.json(), plainType: plain.headers.get('content-type') }
  })
  expect(answers.jsonType).toMatch(/^application\/json/)
  expect(answers.json.error.code).toEqual(expect.any(String))
  expect(answers.plainType).not.toMatch(/^text\/html/)
})
