import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { encryptBytes, formatFileKey } from '../src/core/crypto/index.ts'
import { addThroughPage, openCafe, png, pseudoRandomBytes, tempDir } from './helpers.ts'

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

test('an encrypted PNG added through the page is shown by <img src="/ipfs/<cid>?key=...">', async ({ page }) => {
  await openCafe(page)
  const image = png(64, 48)
  const { ciphertext, key } = await encryptBytes(image)
  const dir = tempDir({ 'photo.png.enc': Buffer.from(ciphertext) })
  const cid = await addThroughPage(page, 'file-input', join(dir, 'photo.png.enc'), 'photo.png.enc')

  const shown = await page.evaluate(async (src) => {
    const img = document.createElement('img')
    const loaded = new Promise<string>(resolve => {
      img.onload = () => { resolve('load') }
      img.onerror = () => { resolve('error') }
    })
    img.src = src
    document.body.append(img)
    const result = await loaded
    const head = await fetch(src, { method: 'HEAD' })
    return { result, width: img.naturalWidth, height: img.naturalHeight, type: head.headers.get('content-type') }
  }, `/ipfs/${cid}?key=${formatFileKey(key)}`)

  expect(shown.result).toBe('load')
  expect(shown.width).toBe(64)
  expect(shown.height).toBe(48)
  expect(shown.type).toBe('image/png') // sniffed from the decrypted bytes
})

test('an encrypted 20 MiB video is served whole and by ranges with private headers, and a wrong key is refused', async ({ page }) => {
  test.setTimeout(120_000)
  await openCafe(page)
  const video = pseudoRandomBytes(20 * 1024 * 1024, 42)
  const { ciphertext, key } = await encryptBytes(video)
  const dir = tempDir({ 'clip.mp4': Buffer.from(ciphertext) })
  const cid = await addThroughPage(page, 'file-input', join(dir, 'clip.mp4'), 'clip.mp4')
  const url = `/ipfs/${cid}?key=${formatFileKey(key)}&filename=clip.mp4`
  const middle = 10 * 1024 * 1024 - 1000 // 64 KiB segments: this range spans three of them
  const ranges = ['bytes=0-99', `bytes=${middle}-${middle + 140_000}`, 'bytes=-1000']

  const answers = await page.evaluate(async ({ url, ranges, wrongUrl }) => {
    const hex = (buffer: ArrayBuffer): string => Array.from(new Uint8Array(buffer), b => b.toString(16).padStart(2, '0')).join('')
    const whole = await fetch(url)
    const wholeHash = hex(await crypto.subtle.digest('SHA-256', await whole.arrayBuffer()))
    const ranged = []
    for (const range of ranges) {
      const res = await fetch(url, { headers: { Range: range } })
      ranged.push({
        status: res.status,
        contentRange: res.headers.get('content-range'),
        length: res.headers.get('content-length'),
        hash: hex(await crypto.subtle.digest('SHA-256', await res.arrayBuffer()))
      })
    }
    const wrong = await fetch(wrongUrl)
    return {
      status: whole.status,
      type: whole.headers.get('content-type'),
      length: whole.headers.get('content-length'),
      cacheControl: whole.headers.get('cache-control'),
      etag: whole.headers.get('etag'),
      acceptRanges: whole.headers.get('accept-ranges'),
      wholeHash,
      ranged,
      wrong: { status: wrong.status, text: await wrong.text() }
    }
  }, { url, ranges, wrongUrl: `/ipfs/${cid}?key=${formatFileKey(new Uint8Array(32).fill(1))}` })

  const size = video.length
  expect(answers.status).toBe(200)
  expect(answers.type).toBe('video/mp4')
  expect(answers.length).toBe(String(size))
  expect(answers.cacheControl).toBe('private, no-store')
  expect(answers.etag).toBeNull()
  expect(answers.acceptRanges).toBe('bytes')
  expect(answers.wholeHash).toBe(sha256(video))

  const expected = [[0, 99], [middle, middle + 140_000], [size - 1000, size - 1]]
  answers.ranged.forEach((got, i) => {
    const [start, end] = expected[i]
    expect(got.status, ranges[i]).toBe(206)
    expect(got.contentRange).toBe(`bytes ${start}-${end}/${size}`)
    expect(got.length).toBe(String(end - start + 1))
    expect(got.hash, ranges[i]).toBe(sha256(video.subarray(start, end + 1)))
  })

  expect(answers.wrong.status).toBe(422)
  expect(answers.wrong.text).toMatch(/wrong key/)
})

test('a file with a damaged middle segment is refused with 422 before any byte, and a range clear of the damage is served', async ({ page }) => {
  await openCafe(page)
  const segment = 64 * 1024
  const plain = pseudoRandomBytes(1024 * 1024, 7)
  const { ciphertext, key } = await encryptBytes(plain)
  ciphertext[60 + 5 * (segment + 16) + 123] ^= 1 // segment 5 of 16
  const dir = tempDir({ 'damaged.bin': Buffer.from(ciphertext) })
  const cid = await addThroughPage(page, 'file-input', join(dir, 'damaged.bin'), 'damaged.bin')

  const answers = await page.evaluate(async (url) => {
    const whole = await fetch(url)
    const before = await fetch(url, { headers: { Range: `bytes=0-${5 * 65536 - 1}` } })
    return {
      whole: { status: whole.status, body: await whole.text() },
      before: { status: before.status, bytes: Array.from(new Uint8Array(await before.arrayBuffer()).subarray(0, 64)), length: before.headers.get('content-length') }
    }
  }, `/ipfs/${cid}?key=${formatFileKey(key)}`)

  expect(answers.whole.status).toBe(422)
  expect(JSON.parse(answers.whole.body).error.code).toBe('DECRYPTION_FAILED')
  expect(answers.whole.body).toMatch(/segment 5/)
  expect(answers.before.status).toBe(206)
  expect(answers.before.length).toBe(String(5 * segment))
  expect(answers.before.bytes).toEqual(Array.from(plain.subarray(0, 64)))
})
