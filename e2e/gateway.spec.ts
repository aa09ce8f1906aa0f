import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { addThroughPage, openCafe, pseudoRandomBytes, tempDir } from './helpers.ts'

test('a file added through the page is served at /ipfs/<cid> with its bytes, type and ranges', async ({ page }) => {
  await openCafe(page)
  const bytes = pseudoRandomBytes(3 * 1024 * 1024 + 123, 7)
  const dir = tempDir({ 'clip.bin': bytes, 'note.txt': 'hello from the cafe\n' })
  const binCid = await addThroughPage(page, 'file-input', join(dir, 'clip.bin'), 'clip.bin')
  const txtCid = await addThroughPage(page, 'file-input', join(dir, 'note.txt'), 'note.txt')

  const result = await page.evaluate(async ({ binCid, txtCid }) => {
    const whole = await fetch(`/ipfs/${binCid}`)
    const body = new Uint8Array(await whole.arrayBuffer())
    const ranged = await fetch(`/ipfs/${binCid}`, { headers: { Range: 'bytes=1048570-1048589' } })
    const suffix = await fetch(`/ipfs/${binCid}`, { headers: { Range: 'bytes=-5' } })
    const text = await fetch(`/ipfs/${txtCid}?filename=note.txt`)
    const cached = await fetch(`/ipfs/${txtCid}`, { headers: { 'If-None-Match': `"${txtCid}"` } })
    return {
      status: whole.status,
      length: body.byteLength,
      first: Array.from(body.subarray(0, 16)),
      last: Array.from(body.subarray(body.byteLength - 16)),
      etag: whole.headers.get('etag'),
      cacheControl: whole.headers.get('cache-control'),
      rangeStatus: ranged.status,
      contentRange: ranged.headers.get('content-range'),
      rangeBytes: Array.from(new Uint8Array(await ranged.arrayBuffer())),
      suffixBytes: Array.from(new Uint8Array(await suffix.arrayBuffer())),
      textType: text.headers.get('content-type'),
      text: await text.text(),
      cachedStatus: cached.status
    }
  }, { binCid, txtCid })

  expect(result.status).toBe(200)
  expect(result.length).toBe(bytes.byteLength)
  expect(result.first).toEqual(Array.from(bytes.subarray(0, 16)))
  expect(result.last).toEqual(Array.from(bytes.subarray(bytes.byteLength - 16)))
  expect(result.etag).toBe(`"${binCid}"`)
  expect(result.cacheControl).toBe('public, max-age=29030400, immutable')
  expect(result.rangeStatus).toBe(206)
  expect(result.contentRange).toBe(`bytes 1048570-1048589/${bytes.byteLength}`)
  expect(result.rangeBytes).toEqual(Array.from(bytes.subarray(1048570, 1048590)))
  expect(result.suffixBytes).toEqual(Array.from(bytes.subarray(bytes.byteLength - 5)))
  expect(result.textType).toMatch(/^text\/plain/)
  expect(result.text).toBe('hello from the cafe\n')
  expect(result.cachedStatus).toBe(304)
})

test('a folder keeps its structure, and its listing links to its files', async ({ page }) => {
  await openCafe(page)
  const dir = tempDir({ 'album/readme.md': '# Album\n', 'album/photos/one.txt': 'one', 'album/photos/two.txt': 'two!' })
  const cid = await addThroughPage(page, 'folder-input', join(dir, 'album'), 'album')

  await page.goto(`/ipfs/${cid}/`)
  await expect(page.locator('a', { hasText: 'readme.md' })).toBeVisible()
  await page.locator('a', { hasText: 'photos' }).first().click()
  await expect(page.locator('a', { hasText: 'two.txt' })).toBeVisible()
  await page.locator('a', { hasText: 'two.txt' }).click()
  await expect(page.locator('body')).toHaveText('two!')
  expect(new URL(page.url()).pathname).toBe(`/ipfs/${cid}/photos/two.txt`)
})

test('a bad CID gets 400 and a CID no peer has gets 504 within the time limit', async ({ page }) => {
  await openCafe(page)
  const answers = await page.evaluate(async () => {
    const bad = await fetch('/ipfs/not-a-cid')
    const started = performance.now()
    const unknown = await fetch('/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')
    return { bad: bad.status, badText: await bad.text(), unknown: unknown.status, seconds: (performance.now() - started) / 1000 }
  })
  expect(answers.bad).toBe(400)
  expect(answers.badText.length).toBeGreaterThan(0)
  expect(answers.unknown).toBe(504)
  expect(answers.seconds).toBeLessThan(15)
})

test('a pinned HTML page runs sandboxed and cannot read the cafe\'s IndexedDB', async ({ page }) => {
  await openCafe(page)
  const html = `<!doctype html><title>probe</title><script>
    try {
      const req = indexedDB.open('cafe/default/data')
      req.onsuccess = () => { document.title = 'LEAKED'; }
      req.onerror = () => { document.title = 'blocked' }
    } catch (err) { document.title = 'blocked:' + err.name }
  </script>`
  const dir = tempDir({ 'probe.html': html })
  const cid = await addThroughPage(page, 'file-input', join(dir, 'probe.html'), 'probe.html')
  await page.goto(`/ipfs/${cid}?filename=probe.html`)
  await expect(page).toHaveTitle(/blocked/)
  const origin = await page.evaluate(() => window.origin)
  expect(origin).toBe('null')
})

test('the peer id and the files survive a reload and a browser restart, and the gateway works with no cafe page open', async ({ playwright }) => {
  const profile = tempDir({})
  const { baseURL, launchOptions } = test.info().project.use
  const launch = () => playwright.chromium.launchPersistentContext(profile, { ...launchOptions, baseURL })
  let context = await launch()
  let page = context.pages()[0] ?? await context.newPage()
  const peerId = await openCafe(page)
  const dir = tempDir({ 'keep.txt': 'kept across restarts' })
  const cid = await addThroughPage(page, 'file-input', join(dir, 'keep.txt'), 'keep.txt')

  await page.reload()
  expect(await openCafe(page)).toBe(peerId)
  await expect(page.getByTestId('library').locator(`tr[data-cid="${cid}"]`)).toBeVisible()
  await context.close()

  context = await launch()
  page = context.pages()[0] ?? await context.newPage()
  expect(await openCafe(page)).toBe(peerId)

  // close the cafe page, go offline, and navigate straight to the content
  const reader = await context.newPage()
  await page.close()
  await context.setOffline(true)
  await reader.goto(`/ipfs/${cid}`)
  await expect(reader.locator('body')).toHaveText('kept across restarts')
  await context.close()
})
