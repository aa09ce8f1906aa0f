import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { addThroughPage, createToken, openCafe, openClient, tempDir } from './helpers.ts'

test('the owner issues a token, a client registers with it over HTTP, and removing the client ends its session', async ({ page, context }) => {
  const cafePeerId = await openCafe(page)
  // a label is optional
  await createToken(page, '')
  await expect(page.getByTestId('token-list').getByText('(no label)')).toBeVisible()
  const token = await createToken(page, 'e2e client')

  const client = await context.newPage()
  const account = await openClient(client)
  await expect(client.getByTestId('cafe-id')).toContainText(cafePeerId)
  await client.getByTestId('token-input').fill(token)
  await client.getByTestId('register').click()
  await expect(client.getByTestId('client-output')).toHaveText('registered')
  await client.getByTestId('whoami').click()
  await expect(client.getByTestId('client-output')).toContainText(`"account": "${account}"`)

  // the console lists the client, and the token as used up by it
  const row = page.locator(`[data-testid="client-list"] tr[data-account="${account}"]`)
  await expect(row).toBeVisible({ timeout: 10_000 })
  await expect(page.getByTestId('token-list')).toContainText(account)

  // the owner removes the client: its next call gets 401
  page.on('dialog', dialog => { void dialog.accept() })
  await row.getByTestId('remove-client').click()
  await expect(row).toHaveCount(0)
  await client.getByTestId('whoami').click()
  await expect(client.getByTestId('client-output')).toHaveText(/^401 /)

  // a used-up token cannot register another account
  const other = await context.newPage()
  await other.goto('/client.html')
  await other.evaluate(() => localStorage.clear())
  expect(await openClient(other)).not.toBe(account)
  await other.getByTestId('token-input').fill(token)
  await other.getByTestId('register').click()
  await expect(other.getByTestId('client-output')).toHaveText(/^401 /)
})

test('the HTTP API answers bad input with a JSON error and hides owner routes', async ({ page }) => {
  await openCafe(page)
  const answers = await page.evaluate(async () => {
    const json = async (response: Response) => ({ status: response.status, body: await response.json() })
    return {
      info: await json(await fetch('/api/v0/cafe')),
      badJson: await json(await fetch('/api/v0/sessions', { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } })),
      noAuth: await json(await fetch('/api/v0/account')),
      forged: await json(await fetch('/api/v0/account', { headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' } })),
      ownerRoute: await json(await fetch('/api/v0/tokens', { method: 'POST', body: '{}' })),
      unknown: await json(await fetch('/api/v0/nothing-here'))
    }
  })
  expect(answers.info.status).toBe(200)
  expect(answers.info.body.peerId).toMatch(/^12D3Koo/)
  expect(answers.badJson).toMatchObject({ status: 400, body: { error: { code: expect.any(String), message: expect.any(String) } } })
  expect(answers.noAuth.status).toBe(401)
  expect(answers.forged.status).toBe(401)
  expect(answers.ownerRoute.status).toBe(404)
  expect(answers.unknown.status).toBe(404)
})

test('a pinned HTML page cannot create an access token', async ({ page, context }) => {
  await openCafe(page)
  const before = await page.getByTestId('token-list').locator('tr[data-token-id]').count()
  const html = `<!doctype html><title>attack</title><script>
    const results = []
    fetch('/api/v0/tokens', { method: 'POST', body: '{"label":"evil"}', headers: { 'content-type': 'application/json' } })
      .then(r => results.push('fetch:' + r.status), e => results.push('fetch:' + e.name))
      .finally(() => {
        try { new SharedWorker('/assets/x.js', { name: 'default' }); results.push('worker:created') } catch (e) { results.push('worker:' + e.name) }
        document.title = results.join(' ')
      })
  </script>`
  const dir = tempDir({ 'attack.html': html })
  const cid = await addThroughPage(page, 'file-input', join(dir, 'attack.html'), 'attack.html')
  const attacker = await context.newPage()
  await attacker.goto(`/ipfs/${cid}?filename=attack.html`)
  await expect(attacker).toHaveTitle(/fetch:.* worker:SecurityError/)
  expect(await attacker.title()).not.toMatch(/fetch:20\d/)
  await page.waitForTimeout(2_500)
  await expect(page.getByTestId('token-list').locator('tr[data-token-id]')).toHaveCount(before)
})
