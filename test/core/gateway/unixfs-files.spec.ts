import { MemoryBlockstore } from 'blockstore-core'
import { equals } from 'uint8arrays/equals'
import { beforeEach, describe, expect, it } from 'vitest'
import { addDirectory, addFile, bodyBytes, get, gatewayOver, patternBytes } from './fixtures.ts'
import type { Gateway } from '../../../src/core/gateway/index.ts'
import type { CID } from 'multiformats/cid'

const PNG_HEAD = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])

describe('gateway: UnixFS files', () => {
  let blockstore: MemoryBlockstore
  let gateway: Gateway
  const data = patternBytes(5000) // five 1 KiB blocks
  let fileCid: CID
  let dirCid: CID

  beforeEach(async () => {
    blockstore = new MemoryBlockstore()
    gateway = gatewayOver(blockstore)
    fileCid = await addFile(blockstore, data)
    dirCid = await addDirectory(blockstore, [
      { path: 'notes.txt', content: 'hello cafe\n' },
      { path: 'style.css', content: 'body{}' },
      { path: 'data', content: data }
    ])
  })

  it('a file is served with its exact bytes, length and octet-stream type when unrecognisable', async () => {
    const res = await get(gateway, `/ipfs/${fileCid}`)
    expect(res.status).toBe(200)
    expect(await bodyBytes(res)).toEqual(data)
    expect(res.headers.get('Content-Length')).toBe('5000')
    expect(res.headers.get('Content-Type')).toBe('application/octet-stream')
    expect(res.headers.get('Accept-Ranges')).toBe('bytes')
  })

  it('a file in a directory gets its content type from its extension', async () => {
    const txt = await get(gateway, `/ipfs/${dirCid}/notes.txt`)
    expect(txt.headers.get('Content-Type')).toBe('text/plain; charset=utf-8')
    expect(await txt.text()).toBe('hello cafe\n')
    const css = await get(gateway, `/ipfs/${dirCid}/style.css`)
    expect(css.headers.get('Content-Type')).toBe('text/css; charset=utf-8')
  })

  it('a file without a name gets a content type sniffed from its bytes', async () => {
    const cases: Array<[Uint8Array | string, string]> = [
      [new Uint8Array([...PNG_HEAD, ...patternBytes(2000)]), 'image/png'],
      [new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), 'image/jpeg'],
      ['GIF89a......', 'image/gif'],
      ['%PDF-1.7\n...', 'application/pdf'],
      ['  <!DOCTYPE html><html><body>hi</body></html>', 'text/html; charset=utf-8'],
      ['<svg xmlns="http://www.w3.org/2000/svg"></svg>', 'image/svg+xml'],
      ['{"a": [1, 2]}', 'application/json'],
      ['just some words\n', 'text/plain; charset=utf-8']
    ]
    for (const [content, type] of cases) {
      const cid = await addFile(blockstore, content)
      const res = await get(gateway, `/ipfs/${cid}`)
      expect(res.headers.get('Content-Type'), type).toBe(type)
      await res.body?.cancel()
    }
  })

  it('?filename= sets the content type and an inline Content-Disposition; download=true makes it an attachment', async () => {
    const res = await get(gateway, `/ipfs/${fileCid}?filename=report.pdf`)
    expect(res.headers.get('Content-Type')).toBe('application/pdf')
    expect(res.headers.get('Content-Disposition')).toContain('inline; filename="report.pdf"')
    await res.body?.cancel()
    const dl = await get(gateway, `/ipfs/${fileCid}?filename=a.bin&download=true`)
    expect(dl.headers.get('Content-Disposition')).toMatch(/^attachment; filename="a.bin"/)
    await dl.body?.cancel()
  })

  it('HEAD has no body but the same status and headers as GET', async () => {
    const getRes = await get(gateway, `/ipfs/${dirCid}/notes.txt`)
    const headRes = await get(gateway, `/ipfs/${dirCid}/notes.txt`, { method: 'HEAD' })
    expect(headRes.status).toBe(200)
    expect(headRes.body).toBeNull()
    expect([...headRes.headers]).toEqual([...getRes.headers])
    expect(headRes.headers.get('Content-Length')).toBe('11')
  })

  it('the ETag of a file is its quoted CID', async () => {
    const res = await get(gateway, `/ipfs/${dirCid}/notes.txt`, { method: 'HEAD' })
    const leaf = res.headers.get('X-Ipfs-Roots')?.split(',').at(-1)
    expect(res.headers.get('ETag')).toBe(`"${leaf}"`)
    const direct = await get(gateway, `/ipfs/${fileCid}`, { method: 'HEAD' })
    expect(direct.headers.get('ETag')).toBe(`"${fileCid}"`)
  })

  it('If-None-Match with the ETag (or *) answers 304 with the ETag and no body', async () => {
    for (const tag of [`"${fileCid}"`, `W/"${fileCid}"`, `"other", "${fileCid}"`, '*']) {
      const res = await get(gateway, `/ipfs/${fileCid}`, { headers: { 'If-None-Match': tag } })
      expect(res.status, tag).toBe(304)
      expect(res.headers.get('ETag')).toBe(`"${fileCid}"`)
      expect(res.headers.get('Cache-Control')).toBe('public, max-age=29030400, immutable')
      expect(await res.text()).toBe('')
    }
    const miss = await get(gateway, `/ipfs/${fileCid}`, { headers: { 'If-None-Match': '"nope"' } })
    expect(miss.status).toBe(200)
    await miss.body?.cancel()
  })

  it('X-Ipfs-Path is the requested path and X-Ipfs-Roots lists the CIDs walked', async () => {
    const res = await get(gateway, `/ipfs/${dirCid}/notes.txt`, { method: 'HEAD' })
    expect(res.headers.get('X-Ipfs-Path')).toBe(`/ipfs/${dirCid}/notes.txt`)
    const roots = res.headers.get('X-Ipfs-Roots')?.split(',')
    expect(roots).toHaveLength(2)
    expect(roots?.[0]).toBe(dirCid.toString())
  })

  it('a 5 MiB file is streamed as a ReadableStream and arrives intact', async () => {
    const big = patternBytes(5 * 1024 * 1024, 7)
    const cid = await addFile(blockstore, big, 256 * 1024)
    const res = await get(gateway, `/ipfs/${cid}`)
    expect(res.status).toBe(200)
    expect(res.body).toBeInstanceOf(ReadableStream)
    expect(res.headers.get('Content-Length')).toBe(String(big.length))
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    const received = new Uint8Array(big.length)
    let offset = 0
    let chunks = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      received.set(value, offset)
      offset += value.length
      chunks++
    }
    expect(offset).toBe(big.length)
    expect(chunks).toBeGreaterThan(1)
    // byte compare: a deep toEqual of 5 MiB takes seconds
    expect(equals(received, big)).toBe(true)
  })
})
