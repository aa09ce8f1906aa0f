import { expect, test } from '@playwright/test'
import { createToken, exportKey, becomeAccount, openCafe, openClient, registerClient } from './helpers.ts'

test('B finds A in the directory and leaves an encrypted message; A comes back, checks the sender and acknowledges it', async ({ page, context }) => {
  await openCafe(page)

  // A registers, publishes its contact, and goes offline
  const a = await context.newPage()
  const alice = await openClient(a)
  await registerClient(a, await createToken(page, 'alice'))
  await a.getByTestId('contact-username').fill('alice')
  await a.getByTestId('contact-display-name').fill('Alice Liddell')
  await a.getByTestId('publish-contact').click()
  await expect(a.getByTestId('contact-status')).toHaveText(/^published @alice/)
  const aliceKey = await exportKey(a)
  await a.close()

  // B, a new account that is not even registered, searches and delivers
  const b = await context.newPage()
  await b.goto('/client.html')
  await b.evaluate(() => localStorage.removeItem('cafe-client:account-key'))
  const bob = await openClient(b)
  expect(bob).not.toBe(alice)
  await b.getByTestId('search-input').fill('LIDD')
  await b.getByTestId('search').click()
  const result = b.locator(`[data-testid="search-results"] li[data-peer="${alice}"]`)
  await expect(result).toContainText('@alice')
  await expect(result.getByTestId('contact-inboxes')).toContainText('/http/p2p/')
  await result.getByTestId('message-text').fill('tea at four?')
  await result.getByTestId('send-message').click()
  await expect(b.getByTestId('contact-status')).toHaveText(/^delivered/)

  // the console shows one message waiting for A, and A's directory entry
  const row = page.locator(`[data-testid="client-list"] tr[data-account="${alice}"]`)
  await expect(row).toContainText('Inbox (1 of 1000 messages)', { timeout: 10_000 })
  await expect(row.getByTestId('client-contact')).toHaveText('listed as @alice (Alice Liddell)')

  // A comes back with its key
  await becomeAccount(b, aliceKey)
  await b.getByTestId('sign-in').click()
  await expect(b.getByTestId('client-output')).toHaveText('signed in')
  await b.getByTestId('check-inbox').click()
  await expect(b.getByTestId('inbox-status')).toHaveText('1 message(s) waiting')
  const message = b.getByTestId('inbox-messages').locator('li')
  await expect(message.getByTestId('message-plaintext')).toHaveText('tea at four?')
  await expect(message.getByTestId('message-from')).toHaveText(bob)
  await message.getByTestId('ack-message').click()
  await expect(b.getByTestId('inbox-status')).toHaveText('0 message(s) waiting')
  await expect(row).toContainText('Inbox (0 of 1000 messages)', { timeout: 10_000 })
})

test('the inbox and directory answer bad input with clear errors', async ({ page }) => {
  await openCafe(page)
  const answers = await page.evaluate(async () => {
    const post = async (body: unknown) => {
      const response = await fetch('/api/v0/inbox/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      return { status: response.status, body: await response.json() }
    }
    const search = await fetch('/api/v0/directory/search?q=' + 'x'.repeat(100))
    return {
      garbage: await post({ envelope: { v: 1, to: 'nobody' } }),
      huge: await post({ envelope: 'x'.repeat(200_000) }),
      longQuery: { status: search.status, body: await search.json() }
    }
  })
  expect(answers.garbage).toMatchObject({ status: 400, body: { error: { code: expect.any(String) } } })
  expect(answers.huge.status).toBe(413)
  expect(answers.longQuery.status).toBe(400)
})
