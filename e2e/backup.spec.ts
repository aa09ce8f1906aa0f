import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { createToken, openCafe, openClient, pseudoRandomBytes, registerClient, tempDir } from './helpers.ts'

async function uploadFolder (client: Page, folder: string): Promise<string> {
  await client.getByTestId('backup-folder').setInputFiles(folder)
  const output = client.getByTestId('backup-output')
  await expect(output).toHaveText(/^pinned \S+ \(pinned\)$/, { timeout: 30_000 })
  return (await output.getAttribute('data-root')) ?? ''
}

async function saveSnapshot (client: Page, thread: string, metadata: unknown): Promise<void> {
  await client.getByTestId('snapshot-thread').fill(thread)
  await client.getByTestId('snapshot-metadata').fill(JSON.stringify(metadata))
  await client.getByTestId('save-snapshot').click()
  await expect(client.getByTestId('snapshot-status')).toHaveText(new RegExp(`^saved thread ${thread}: `))
}

async function blocksStored (console: Page): Promise<number> {
  await console.waitForTimeout(2_500) // the status refreshes every 2 s
  return Number(/^(\d+) blocks/.exec((await console.getByTestId('stored').textContent()) ?? '')?.[1])
}

test('device A backs up a folder and two snapshots; device B, with only the account key, recovers them byte for byte', async ({ page, context }) => {
  await openCafe(page)
  const photo = pseudoRandomBytes(700_000, 3)
  const dir = tempDir({ 'trip/notes.txt': 'day one\n', 'trip/photos/beach.jpg': photo })

  const a = await context.newPage()
  await openClient(a)
  await registerClient(a, await createToken(page, 'device A'))
  const root = await uploadFolder(a, join(dir, 'trip'))
  // the console lists the client's pin with its status
  const account = (await a.getByTestId('account-id').textContent()) ?? ''
  const pins = page.locator(`[data-testid="client-list"] tr[data-account="${account}"]`).getByTestId('client-pins')
  await expect(pins).toBeVisible({ timeout: 10_000 })
  await pins.locator('summary').click()
  await expect(pins.locator('li[data-status="pinned"]')).toContainText(root)
  await page.waitForTimeout(2_500) // a redraw keeps the list open
  await expect(pins.locator('li[data-status="pinned"]')).toContainText(root)
  await saveSnapshot(a, 'thread-trip', { name: 'Trip', members: ['a', 'b'] })
  await saveSnapshot(a, 'thread-notes', { name: 'Notes' })
  await a.locator('summary', { hasText: 'Account key' }).click()
  await a.getByTestId('export-key').click()
  const key = (await a.getByTestId('exported-key').textContent()) ?? ''
  expect(key.length).toBeGreaterThan(40)
  await a.close()

  // device B: nothing of A's but the key (no session, no local state)
  const b = await context.newPage()
  await b.goto('/client.html')
  await b.evaluate(() => localStorage.clear())
  await openClient(b)
  await b.locator('summary', { hasText: 'Account key' }).click()
  await b.getByTestId('import-key-form').locator('input').fill(key)
  await b.getByTestId('import-key-form').getByRole('button').click()
  await expect(b.getByTestId('client-output')).toHaveText('key imported')
  await b.getByTestId('sign-in').click()
  await expect(b.getByTestId('client-output')).toHaveText('signed in')
  await b.getByTestId('recover').click()
  await expect(b.getByTestId('backup-output')).toHaveText('recovered 2 thread(s)')
  await expect(b.locator('[data-thread="thread-trip"]')).toContainText('{"name":"Trip","members":["a","b"]}')
  await expect(b.locator('[data-thread="thread-trip"] a')).toHaveAttribute('data-head', root)

  const files = await b.evaluate(async (root) => {
    const bytes = async (path: string) => Array.from(new Uint8Array(await (await fetch(`/ipfs/${root}/${path}`)).arrayBuffer()))
    return { notes: await bytes('trip/notes.txt'), photo: await bytes('trip/photos/beach.jpg') }
  }, root)
  expect(Buffer.from(files.notes).toString()).toBe('day one\n')
  expect(Buffer.from(files.photo).equals(photo)).toBe(true)
})

/** The access token the client page stored for `account` (pages of one origin share localStorage). */
async function accessToken (page: Page, account: string): Promise<string> {
  return page.evaluate((account) => {
    const entry = Object.entries(localStorage).find(([key]) => key.startsWith('cafe-session:') && key.endsWith(`/${account}`))
    if (entry == null) throw new Error(`no session for ${account}`)
    return JSON.parse(entry[1]).accessToken as string
  }, account)
}

test('a second account cannot see or delete the first account\'s pins', async ({ page, context }) => {
  await openCafe(page)
  const a = await context.newPage()
  const alice = await openClient(a)
  await registerClient(a, await createToken(page, 'owner of the pin'))
  await uploadFolder(a, join(tempDir({ 'mine/secret.txt': 'mine' }), 'mine'))
  const pinsOf = async (token: string, path = '/api/v0/pinning/pins', method = 'GET') => a.evaluate(async ({ token, path, method }) => {
    const response = await fetch(path, { method, headers: { authorization: `Bearer ${token}` } })
    return { status: response.status, body: await response.json() }
  }, { token, path, method })

  const mine = await pinsOf(await accessToken(a, alice))
  expect(mine).toMatchObject({ status: 200, body: { count: 1 } })
  const requestid = mine.body.results[0].requestid

  const eve = await context.newPage()
  await eve.goto('/client.html')
  await eve.evaluate(() => localStorage.removeItem('cafe-client:account-key'))
  const eveAccount = await openClient(eve)
  expect(eveAccount).not.toBe(alice)
  await registerClient(eve, await createToken(page, 'eve'))
  const eveToken = await accessToken(eve, eveAccount)
  expect(await pinsOf(eveToken, '/api/v0/pinning/pins?status=queued,pinning,pinned,failed')).toMatchObject({ status: 200, body: { count: 0 } })
  expect(await pinsOf(eveToken, `/api/v0/pinning/pins/${requestid}`)).toMatchObject({ status: 404 })
  expect(await pinsOf(eveToken, `/api/v0/pinning/pins/${requestid}`, 'DELETE')).toMatchObject({ status: 404, body: { error: { reason: 'NOT_FOUND' } } })
  expect(await pinsOf(await accessToken(a, alice), `/api/v0/pinning/pins/${requestid}`)).toMatchObject({ status: 200, body: { status: 'pinned' } })
})

test('an upload over quota is refused and nothing of it stays in the blockstore', async ({ page, context }) => {
  await openCafe(page)
  const a = await context.newPage()
  const account = await openClient(a)
  await registerClient(a, await createToken(page, 'small quota'))

  // the owner gives this client 1 MiB of storage
  const row = page.locator(`[data-testid="client-list"] tr[data-account="${account}"]`)
  await expect(row).toBeVisible({ timeout: 10_000 })
  await row.getByLabel('Storage (MiB)').fill('1')
  await row.getByRole('button', { name: 'Set' }).click()
  await expect(page.locator(`[data-testid="client-list"] tr[data-account="${account}"] input[name="storage-mib"]`)).toHaveValue('1')

  const before = await blocksStored(page)
  await a.getByTestId('backup-files').setInputFiles(join(tempDir({ 'big.bin': pseudoRandomBytes(3 * 1024 * 1024, 9) }), 'big.bin'))
  await expect(a.getByTestId('backup-output')).toHaveText(/^413 QUOTA_EXCEEDED/, { timeout: 30_000 })
  expect(await blocksStored(page)).toBe(before)
})
