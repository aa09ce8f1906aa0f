import { MemoryBlockstore } from 'blockstore-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { addFile, bodyBytes, get, gatewayOver, patternBytes } from './fixtures.ts'
import type { Gateway } from '../../../src/core/gateway/index.ts'
import type { CID } from 'multiformats/cid'

describe('gateway: byte ranges', () => {
  const data = patternBytes(5000, 3) // 1 KiB blocks: ranges cross block edges
  let gateway: Gateway
  let cid: CID

  beforeAll(async () => {
    const blockstore = new MemoryBlockstore()
    gateway = gatewayOver(blockstore)
    cid = await addFile(blockstore, data)
  })

  async function range (header: string): Promise<Response> {
    return get(gateway, `/ipfs/${cid}`, { headers: { Range: header } })
  }

  it('the first byte alone is a 206 with its Content-Range', async () => {
    const res = await range('bytes=0-0')
    expect(res.status).toBe(206)
    expect(res.headers.get('Content-Range')).toBe('bytes 0-0/5000')
    expect(res.headers.get('Content-Length')).toBe('1')
    expect(await bodyBytes(res)).toEqual(data.subarray(0, 1))
  })

  it('the last byte alone', async () => {
    const res = await range('bytes=4999-4999')
    expect(res.status).toBe(206)
    expect(res.headers.get('Content-Range')).toBe('bytes 4999-4999/5000')
    expect(await bodyBytes(res)).toEqual(data.subarray(4999))
  })

  it('a range across block boundaries', async () => {
    const res = await range('bytes=1000-3071')
    expect(res.headers.get('Content-Range')).toBe('bytes 1000-3071/5000')
    expect(await bodyBytes(res)).toEqual(data.subarray(1000, 3072))
  })

  it('a suffix range gives the last n bytes', async () => {
    const res = await range('bytes=-100')
    expect(res.status).toBe(206)
    expect(res.headers.get('Content-Range')).toBe('bytes 4900-4999/5000')
    expect(await bodyBytes(res)).toEqual(data.subarray(4900))
  })

  it('an open-ended range runs to the end', async () => {
    const res = await range('bytes=4096-')
    expect(res.headers.get('Content-Range')).toBe('bytes 4096-4999/5000')
    expect(res.headers.get('Content-Length')).toBe('904')
    expect(await bodyBytes(res)).toEqual(data.subarray(4096))
  })

  it('a range past the end is 416 with Content-Range bytes */size', async () => {
    const res = await range('bytes=5000-')
    expect(res.status).toBe(416)
    expect(res.headers.get('Content-Range')).toBe('bytes */5000')
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/)
  })

  it('a multi-range request gets 206 multipart/byteranges with each part typed and placed', async () => {
    const res = await range('bytes=10-20,0-1')
    expect(res.status).toBe(206)
    const type = res.headers.get('Content-Type') ?? ''
    expect(type).toMatch(/^multipart\/byteranges; boundary=/)
    const boundary = type.split('boundary=')[1]
    const body = await bodyBytes(res)
    expect(res.headers.get('Content-Length')).toBe(String(body.byteLength))
    const text = new TextDecoder('latin1').decode(body)
    const parts = text.split(`--${boundary}`).slice(1, -1)
    expect(parts).toHaveLength(2)
    expect(parts[0]).toContain('Content-Range: bytes 10-20/5000')
    expect(parts[1]).toContain('Content-Range: bytes 0-1/5000')
    const payload = (part: string): string => part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '')
    expect(payload(parts[0])).toBe(new TextDecoder('latin1').decode(data.subarray(10, 21)))
    expect(payload(parts[1])).toBe(new TextDecoder('latin1').decode(data.subarray(0, 2)))
    expect(text.endsWith(`--${boundary}--\r\n`)).toBe(true)
  })

  it('overlapping ranges, or more than 16, are ignored: the whole file with 200', async () => {
    expect((await range('bytes=0-10,5-20')).status).toBe(200)
    const many = Array.from({ length: 17 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',')
    const res = await range(`bytes=${many}`)
    expect(res.status).toBe(200)
    expect(await bodyBytes(res)).toEqual(data)
  })

  it('a 206 carries the ETag of the full response', async () => {
    const full = await get(gateway, `/ipfs/${cid}`)
    await full.body?.cancel()
    const part = await range('bytes=0-9')
    expect(part.headers.get('ETag')).toBe(full.headers.get('ETag'))
    expect(part.headers.get('Vary')).toBe('Accept')
  })

  it('HEAD with a range answers 206 headers and no body', async () => {
    const res = await get(gateway, `/ipfs/${cid}`, { method: 'HEAD', headers: { Range: 'bytes=10-19' } })
    expect(res.status).toBe(206)
    expect(res.headers.get('Content-Length')).toBe('10')
    expect(res.body).toBeNull()
  })

  it('reads only the blocks the range needs', async () => {
    const blockstore = new MemoryBlockstore()
    const fileCid = await addFile(blockstore, data)
    const read: string[] = []
    const counting = {
      get: (c: CID, o?: any) => { read.push(c.toString()); return blockstore.get(c, o) },
      has: (c: CID, o?: any) => blockstore.has(c, o)
    }
    const g = gatewayOver(blockstore, { blockstore: counting as any })
    const res = await get(g, `/ipfs/${fileCid}?filename=x.bin`, { headers: { Range: 'bytes=4500-4599' } })
    expect(await bodyBytes(res)).toEqual(data.subarray(4500, 4600))
    // the root plus the one leaf holding bytes 4096..4999
    expect(new Set(read).size).toBe(2)
  })
})
