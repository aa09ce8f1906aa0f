import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
