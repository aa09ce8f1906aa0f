import { MemoryBlockstore } from 'blockstore-core'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { encryptBytes, formatFileKey, HEADER_BYTES, TAG_BYTES } from '../../../src/core/crypto/index.ts'
import { DecryptedBlobs } from '../../../src/core/gateway/decrypted-blob.ts'
import { addDirectory, addFile, bodyBytes, gatewayOver, get, patternBytes } from './fixtures.ts'
import vectors from '../../vectors/encryption.json' with { type: 'json' }
import type { EncryptedFile } from '../../../src/core/crypto/index.ts'
import type { BlobSource } from '../../../src/core/gateway/file-blob.ts'
import type { Gateway } from '../../../src/core/gateway/index.ts'
import type { CID } from 'multiformats/cid'
import { recordingLogger } from '../recording-logger.ts'

const SEGMENT = 1024
const SEALED = SEGMENT + TAG_BYTES
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

function hex (text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], byte => parseInt(byte, 16))
}

/** Reads a body chunk by chunk: the bytes that arrived, and the error that ended it (if any). */
async function readUntilError (response: Response): Promise<{ bytes: Uint8Array, error?: unknown }> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const chunks: Uint8Array[] = []
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
    }
  } catch (error) {
    return { bytes: concatAll(chunks), error }
  }
  return { bytes: concatAll(chunks) }
}

function concatAll (chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) { out.set(c, at); at += c.length }
  return out
}

describe('gateway: decrypting with ?key=', () => {
  // 10 segments and a partial one, in 1 KiB blocks: ranges cross segment and block edges
  const plaintext = patternBytes(10 * SEGMENT + 300, 11)
  const png = Uint8Array.from([...PNG_SIGNATURE, ...patternBytes(2000, 5)])
  const logLines: unknown[][] = []
  let blockstore: MemoryBlockstore
  let gateway: Gateway
  let ciphertext: Uint8Array
  let keyText: string
  let folder: CID
  let bare: CID
  let pngCid: CID
  let pngKey: string

  beforeAll(async () => {
    blockstore = new MemoryBlockstore()
    gateway = gatewayOver(blockstore, { logger: recordingLogger(logLines) })
    const sealed = await encryptBytes(plaintext, { segmentSize: SEGMENT })
    ciphertext = sealed.ciphertext
    keyText = formatFileKey(sealed.key)
    folder = await addDirectory(blockstore, [{ path: 'photo.jpg', content: ciphertext }])
    bare = await addFile(blockstore, ciphertext)
    const sealedPng = await encryptBytes(png, { segmentSize: SEGMENT })
    pngCid = await addFile(blockstore, sealedPng.ciphertext)
    pngKey = formatFileKey(sealedPng.key)
  })

  const photo = (key = keyText): string => `/ipfs/${folder}/photo.jpg?key=${key}`

  it('a file in a folder comes back decrypted, typed by its name, with the plaintext length', async () => {
    const res = await get(gateway, photo())
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('image/jpeg')
    expect(res.headers.get('Content-Length')).toBe(String(plaintext.length))
    expect(res.headers.get('Accept-Ranges')).toBe('bytes')
    expect(await bodyBytes(res)).toEqual(plaintext)
  })

  it('no cache may keep the answer, it has no ETag, and it keeps the sandbox and nosniff headers', async () => {
    const res = await get(gateway, photo())
    expect(res.headers.get('Cache-Control')).toBe('private, no-store')
    expect(res.headers.get('ETag')).toBeNull()
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff')
    expect(res.headers.get('Content-Security-Policy')).toMatch(/^sandbox /)
    expect(res.headers.get('Referrer-Policy')).toBe('no-referrer')
    expect(res.headers.get('X-Ipfs-Path')).toBe(`/ipfs/${folder}/photo.jpg`)
    await res.body?.cancel()
  })

  it('a bare CID is typed by sniffing its decrypted bytes, and ?filename= names it', async () => {
    const sniffed = await get(gateway, `/ipfs/${pngCid}?key=${pngKey}`)
    expect(sniffed.headers.get('Content-Type')).toBe('image/png')
    expect(await bodyBytes(sniffed)).toEqual(png)
    const named = await get(gateway, `/ipfs/${bare}?key=${keyText}&filename=clip.mp4`)
    expect(named.headers.get('Content-Type')).toBe('video/mp4')
    expect(named.headers.get('Content-Disposition')).toMatch(/^inline; filename="clip.mp4"/)
    expect(await bodyBytes(named)).toEqual(plaintext)
  })

  it('an encrypted file whose plaintext is not a known type is sniffed as binary, not from the ciphertext', async () => {
    const res = await get(gateway, `/ipfs/${bare}?key=${keyText}`)
    expect(res.headers.get('Content-Type')).toBe('application/octet-stream')
    expect(await bodyBytes(res)).toEqual(plaintext)
  })

  describe('ranges', () => {
    const size = 10 * SEGMENT + 300
    async function range (header: string): Promise<Response> {
      return get(gateway, photo(), { headers: { Range: header } })
    }

    it('the first byte alone', async () => {
      const res = await range('bytes=0-0')
      expect(res.status).toBe(206)
      expect(res.headers.get('Content-Range')).toBe(`bytes 0-0/${size}`)
      expect(res.headers.get('Content-Length')).toBe('1')
      expect(res.headers.get('Cache-Control')).toBe('private, no-store')
      expect(await bodyBytes(res)).toEqual(plaintext.subarray(0, 1))
    })

    it('a range across a segment boundary', async () => {
      const res = await range(`bytes=${SEGMENT - 7}-${3 * SEGMENT + 9}`)
      expect(res.headers.get('Content-Range')).toBe(`bytes ${SEGMENT - 7}-${3 * SEGMENT + 9}/${size}`)
      expect(await bodyBytes(res)).toEqual(plaintext.subarray(SEGMENT - 7, 3 * SEGMENT + 10))
    })

    it('a range inside the final segment only', async () => {
      const res = await range(`bytes=${10 * SEGMENT + 5}-${10 * SEGMENT + 20}`)
      expect(await bodyBytes(res)).toEqual(plaintext.subarray(10 * SEGMENT + 5, 10 * SEGMENT + 21))
    })

    it('a suffix range gives the last bytes', async () => {
      const res = await range('bytes=-500')
      expect(res.status).toBe(206)
      expect(res.headers.get('Content-Range')).toBe(`bytes ${size - 500}-${size - 1}/${size}`)
      expect(await bodyBytes(res)).toEqual(plaintext.subarray(size - 500))
    })

    it('the last byte alone, and an end past the file clamped to it', async () => {
      const last = await range(`bytes=${size - 1}-${size - 1}`)
      expect(await bodyBytes(last)).toEqual(plaintext.subarray(size - 1))
      const clamped = await range(`bytes=${size - 3}-${size + 1000}`)
      expect(clamped.headers.get('Content-Range')).toBe(`bytes ${size - 3}-${size - 1}/${size}`)
      expect(clamped.headers.get('Content-Length')).toBe('3')
      expect(await bodyBytes(clamped)).toEqual(plaintext.subarray(size - 3))
    })

    it('a start at the plaintext end is 416 with the plaintext size, although the ciphertext is longer', async () => {
      const res = await range(`bytes=${size}-`)
      expect(res.status).toBe(416)
      expect(res.headers.get('Content-Range')).toBe(`bytes */${size}`)
    })

    it('a multi-range request gets 206 multipart/byteranges of the plaintext', async () => {
      const res = await range('bytes=0-1,5-6')
      expect(res.status).toBe(206)
      expect(res.headers.get('Content-Type')).toMatch(/^multipart\/byteranges; boundary=/)
      const text = new TextDecoder('latin1').decode(await bodyBytes(res))
      expect(text).toContain(`Content-Range: bytes 0-1/${size}`)
      expect(text).toContain(`Content-Range: bytes 5-6/${size}`)
      expect(text).toContain(new TextDecoder('latin1').decode(plaintext.subarray(5, 7)))
    })
  })

  it('HEAD answers the status and headers of GET without a body', async () => {
    const res = await get(gateway, photo(), { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Length')).toBe(String(plaintext.length))
    expect(res.headers.get('Cache-Control')).toBe('private, no-store')
    expect(res.body).toBeNull()
    const ranged = await get(gateway, photo(), { method: 'HEAD', headers: { Range: 'bytes=10-19' } })
    expect(ranged.status).toBe(206)
    expect(ranged.headers.get('Content-Length')).toBe('10')
    const wrong = await get(gateway, photo(formatFileKey(new Uint8Array(32))), { method: 'HEAD' })
    expect(wrong.status).toBe(422)
  })

  it('a wrong key is 422 with a short message and no plaintext', async () => {
    const res = await get(gateway, photo(formatFileKey(new Uint8Array(32).fill(7))))
    expect(res.status).toBe(422)
    expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8')
    expect(res.headers.get('Cache-Control')).toBe('no-store')
    const text = await res.text()
    expect(JSON.parse(text).error.message).toMatch(/wrong key/)
    expect(text.length).toBeLessThan(200)
  })

  it('a malformed or empty key is 400', async () => {
    // (44 alphanumeric characters would be a valid 2018 go-textile key: hence the '-')
    for (const key of ['not-a-key', '', keyText.slice(1), `${keyText}-`, '0OIl'.repeat(10)]) {
      const res = await get(gateway, photo(key))
      expect(res.status, key).toBe(400)
      expect(await res.text()).toMatch(/invalid file key/)
    }
  })

  it('?key= with ?format=raw or car, or an IPLD Accept type, is 400', async () => {
    for (const format of ['raw', 'car']) {
      const res = await get(gateway, `${photo()}&format=${format}`)
      expect(res.status, format).toBe(400)
      expect(await res.text()).toMatch(/cannot be combined/)
    }
    const accept = await get(gateway, photo(), { headers: { Accept: 'application/vnd.ipld.raw' } })
    expect(accept.status).toBe(400)
  })

  it('a directory cannot be decrypted: 400', async () => {
    const res = await get(gateway, `/ipfs/${folder}/?key=${keyText}`)
    expect(res.status).toBe(400)
    expect(await res.text()).toMatch(/only a file/)
  })

  it('a path that does not exist is still 404 with a key', async () => {
    const res = await get(gateway, `/ipfs/${folder}/other.jpg?key=${keyText}`)
    expect(res.status).toBe(404)
  })

  it('a tampered middle segment breaks the transfer after the authentic segments before it', async () => {
    const tampered = ciphertext.slice()
    tampered[HEADER_BYTES + 5 * SEALED + 100] ^= 1
    const cid = await addFile(blockstore, tampered)
    const res = await get(gateway, `/ipfs/${cid}?key=${keyText}&filename=photo.jpg`)
    expect(res.status).toBe(200) // the header and the final segment are authentic
    const { bytes, error } = await readUntilError(res)
    expect(error).toBeDefined()
    expect((error as Error).message).toMatch(/segment 5/)
    expect(bytes.length).toBeLessThanOrEqual(5 * SEGMENT)
    expect(bytes).toEqual(plaintext.subarray(0, bytes.length))

    // a range over the authentic segments alone is served in full
    const before = await get(gateway, `/ipfs/${cid}?key=${keyText}`, { headers: { Range: `bytes=0-${5 * SEGMENT - 1}` } })
    expect(await bodyBytes(before)).toEqual(plaintext.subarray(0, 5 * SEGMENT))
  })

  it('a damaged first segment is a 422 JSON error, sniffed or not, GET or HEAD', async () => {
    const tampered = ciphertext.slice()
    tampered[HEADER_BYTES + 100] ^= 1
    const cid = await addFile(blockstore, tampered)
    for (const [path, method] of [[`/ipfs/${cid}?key=${keyText}&filename=photo.jpg`, 'GET'], [`/ipfs/${cid}?key=${keyText}&filename=photo.jpg`, 'HEAD'], [`/ipfs/${cid}?key=${keyText}`, 'GET']]) {
      const res = await get(gateway, path, { method })
      expect(res.status, `${method} ${path}`).toBe(422)
      expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8')
      if (method === 'GET') expect((await res.json()).error.code).toBe('DECRYPTION_FAILED')
    }
  })

  it('a range that starts in a damaged segment is a 422, not an empty 206', async () => {
    const tampered = ciphertext.slice()
    tampered[HEADER_BYTES + 5 * SEALED + 100] ^= 1
    const cid = await addFile(blockstore, tampered)
    const res = await get(gateway, `/ipfs/${cid}?key=${keyText}&filename=photo.jpg`, { headers: { Range: `bytes=${5 * SEGMENT + 10}-${6 * SEGMENT + 10}` } })
    expect(res.status).toBe(422)
    expect((await res.json()).error.code).toBe('DECRYPTION_FAILED')
    const multi = await get(gateway, `/ipfs/${cid}?key=${keyText}&filename=photo.jpg`, { headers: { Range: `bytes=${5 * SEGMENT}-${5 * SEGMENT + 5},0-3` } })
    expect(multi.status).toBe(422)
  })

  it('a tampered final segment or header is refused before any byte: 422', async () => {
    for (const at of [20, ciphertext.length - 3]) {
      const tampered = ciphertext.slice()
      tampered[at] ^= 0x80
      const res = await get(gateway, `/ipfs/${await addFile(blockstore, tampered)}?key=${keyText}`)
      expect(res.status, `byte ${at}`).toBe(422)
    }
  })

  it('a truncated file is 422, cut at a segment boundary or inside a segment', async () => {
    const atBoundary = ciphertext.subarray(0, HEADER_BYTES + 4 * SEALED)
    const res = await get(gateway, `/ipfs/${await addFile(blockstore, atBoundary)}?key=${keyText}`)
    expect(res.status).toBe(422)
    expect(await res.text()).toMatch(/truncated/)
    const inside = ciphertext.subarray(0, ciphertext.length - 100)
    expect((await get(gateway, `/ipfs/${await addFile(blockstore, inside)}?key=${keyText}`)).status).toBe(422)
  })

  it('legacy go-textile files decrypt under their 44-byte keys (base58btc and the 2018 text form)', async () => {
    const cases = vectors.legacy.filter(v => v.plaintextHex.length > 0)
    expect(cases.some(v => v.keyEncoding !== 'base58btc')).toBe(true)
    for (const vector of cases) {
      const cid = await addFile(blockstore, hex(vector.ciphertextHex))
      const res = await get(gateway, `/ipfs/${cid}?key=${encodeURIComponent(vector.keyText)}`)
      expect(res.status, vector.name).toBe(200)
      expect(await bodyBytes(res)).toEqual(hex(vector.plaintextHex))
    }
    const [first] = cases
    const cid = await addFile(blockstore, hex(first.ciphertextHex))
    const ranged = await get(gateway, `/ipfs/${cid}?key=${first.keyText}`, { headers: { Range: 'bytes=2-4' } })
    expect(ranged.status).toBe(206)
    expect(await bodyBytes(ranged)).toEqual(hex(first.plaintextHex).subarray(2, 5))
    const wrong = await get(gateway, `/ipfs/${cid}?key=${vectors.legacy[1].keyText}`)
    expect(wrong.status).toBe(422)
  })

  it('a v1 key on a legacy file and a legacy key on a v1 file are refused with 422', async () => {
    const legacy = vectors.legacy[1]
    const legacyCid = await addFile(blockstore, hex(legacy.ciphertextHex))
    expect((await get(gateway, `/ipfs/${legacyCid}?key=${keyText}`)).status).toBe(422)
    expect((await get(gateway, `/ipfs/${bare}?key=${legacy.keyText}`)).status).toBe(422)
  })

  it('the key never appears in the gateway logs', async () => {
    await (await get(gateway, photo())).arrayBuffer()
    await get(gateway, photo(formatFileKey(new Uint8Array(32).fill(9))))
    const tampered = ciphertext.slice()
    tampered[HEADER_BYTES + 2 * SEALED] ^= 1
    await readUntilError(await get(gateway, `/ipfs/${await addFile(blockstore, tampered)}?key=${keyText}`))
    const logged = JSON.stringify(logLines.map(line => line.map(String)))
    expect(logged).not.toContain(keyText)
    expect(logged).not.toContain(formatFileKey(new Uint8Array(32).fill(9)))
  })
})

/** Stored leaves as Blobs, as the IndexedDB blockstore hands them to the Service Worker's gateway. */
function blobsOf (blockstore: MemoryBlockstore): BlobSource & { reads: number } {
  return {
    reads: 0,
    async getBlob (cid) {
      this.reads++
      const chunks: Uint8Array[] = []
      for await (const chunk of blockstore.get(cid)) chunks.push(chunk)
      return new Blob(chunks as BlobPart[])
    }
  }
}

describe('gateway: decrypting a file larger than the read window', () => {
  for (const withBlobs of [false, true]) {
    it(`reads the whole plaintext and ranges across a 4 MiB window edge, in 64 KiB segments${withBlobs ? ', from Blobs of the stored leaves, answered as Blobs' : ''}`, async () => {
      const blockstore = new MemoryBlockstore()
      const blobs = blobsOf(blockstore)
      const gateway = gatewayOver(blockstore, withBlobs ? { blobs } : {})
      const plaintext = patternBytes(5 * 1024 * 1024 + 12_345, 3)
      const { ciphertext, key } = await encryptBytes(plaintext)
      const cid = await addFile(blockstore, ciphertext, 256 * 1024)
      const keyText = formatFileKey(key)
      const answered = vi.spyOn(DecryptedBlobs.prototype, 'blob')

      try {
        const whole = await get(gateway, `/ipfs/${cid}?key=${keyText}`)
        expect(whole.headers.get('Content-Length')).toBe(String(plaintext.length))
        expect(whole.headers.get('Cache-Control')).toBe('private, no-store')
        // toEqual walks megabytes element by element; compare them natively
        expect(Buffer.compare(await bodyBytes(whole), plaintext)).toBe(0)

        const from = 4 * 1024 * 1024 - 70_000
        const to = 5 * 1024 * 1024
        const ranged = await get(gateway, `/ipfs/${cid}?key=${keyText}`, { headers: { Range: `bytes=${from}-${to}` } })
        expect(ranged.status).toBe(206)
        expect(ranged.headers.get('Content-Range')).toBe(`bytes ${from}-${to}/${plaintext.length}`)
        expect(Buffer.compare(await bodyBytes(ranged), plaintext.subarray(from, to + 1))).toBe(0)
        expect(blobs.reads > 0).toBe(withBlobs)
        const asBlobs = await Promise.all(answered.mock.results.map(async result => result.value))
        expect(asBlobs.map(blob => blob instanceof Blob)).toEqual(withBlobs ? [true, true] : [])
      } finally {
        answered.mockRestore()
      }
    })
  }

  it('a damaged middle segment answered as a Blob is a 422 before any byte: every segment is authenticated first', async () => {
    const blockstore = new MemoryBlockstore()
    const gateway = gatewayOver(blockstore, { blobs: blobsOf(blockstore) })
    const plaintext = patternBytes(300 * 1024, 4)
    const { ciphertext, key } = await encryptBytes(plaintext)
    ciphertext[HEADER_BYTES + 2 * (64 * 1024 + TAG_BYTES) + 9] ^= 4
    const cid = await addFile(blockstore, ciphertext, 64 * 1024)
    const res = await get(gateway, `/ipfs/${cid}?key=${formatFileKey(key)}&filename=photo.jpg`)
    expect(res.status).toBe(422)
    expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8')
    const body = await res.json()
    expect(body.error.code).toBe('DECRYPTION_FAILED')
    expect(body.error.message).toMatch(/segment 2/)
    // a range that stays clear of the damage is still served
    const before = await get(gateway, `/ipfs/${cid}?key=${formatFileKey(key)}`, { headers: { Range: `bytes=0-${2 * 64 * 1024 - 1}` } })
    expect(before.status).toBe(206)
    expect(await bodyBytes(before)).toEqual(plaintext.subarray(0, 2 * 64 * 1024))
  })

  it('an open-ended range (how media elements read) streams: it starts after one segment, and damage later breaks the transfer', async () => {
    const blockstore = new MemoryBlockstore()
    const gateway = gatewayOver(blockstore, { blobs: blobsOf(blockstore) })
    const plaintext = patternBytes(300 * 1024, 4)
    const { ciphertext, key } = await encryptBytes(plaintext)
    const intact = await addFile(blockstore, ciphertext, 64 * 1024)
    const answered = vi.spyOn(DecryptedBlobs.prototype, 'blob')
    try {
      const open = await get(gateway, `/ipfs/${intact}?key=${formatFileKey(key)}`, { headers: { Range: 'bytes=1000-' } })
      expect(open.status).toBe(206)
      expect(open.headers.get('Content-Range')).toBe(`bytes 1000-${plaintext.length - 1}/${plaintext.length}`)
      expect(Buffer.compare(await bodyBytes(open), plaintext.subarray(1000))).toBe(0)
      expect(answered).not.toHaveBeenCalled()
      // bounded and suffix ranges are answered as Blobs
      const bounded = await get(gateway, `/ipfs/${intact}?key=${formatFileKey(key)}`, { headers: { Range: 'bytes=1000-2000' } })
      expect(await bodyBytes(bounded)).toEqual(plaintext.subarray(1000, 2001))
      const suffix = await get(gateway, `/ipfs/${intact}?key=${formatFileKey(key)}`, { headers: { Range: 'bytes=-500' } })
      expect(await bodyBytes(suffix)).toEqual(plaintext.subarray(plaintext.length - 500))
      expect(answered).toHaveBeenCalledTimes(2)
    } finally {
      answered.mockRestore()
    }

    ciphertext[HEADER_BYTES + 2 * (64 * 1024 + TAG_BYTES) + 9] ^= 4
    const res = await get(gateway, `/ipfs/${await addFile(blockstore, ciphertext, 64 * 1024)}?key=${formatFileKey(key)}`, { headers: { Range: 'bytes=0-' } })
    expect(res.status).toBe(206)
    const { bytes, error } = await readUntilError(res)
    expect((error as Error)?.message).toMatch(/segment 2/)
    expect(bytes).toEqual(plaintext.subarray(0, bytes.length))
  })

  it('a span larger than a Blob answer may be is streamed, and a tampered segment then breaks the transfer after the authentic bytes', async () => {
    const blockstore = new MemoryBlockstore()
    const gateway = gatewayOver(blockstore, { blobs: blobsOf(blockstore) }, { decryptedBlobs: { maxBytes: 200 * 1024 } })
    const plaintext = patternBytes(300 * 1024, 4)
    const { ciphertext, key } = await encryptBytes(plaintext)
    const intact = await addFile(blockstore, ciphertext, 64 * 1024)
    expect(Buffer.compare(await bodyBytes(await get(gateway, `/ipfs/${intact}?key=${formatFileKey(key)}`)), plaintext)).toBe(0)

    ciphertext[HEADER_BYTES + 2 * (64 * 1024 + TAG_BYTES) + 9] ^= 4
    const res = await get(gateway, `/ipfs/${await addFile(blockstore, ciphertext, 64 * 1024)}?key=${formatFileKey(key)}`)
    expect(res.status).toBe(200)
    const { bytes, error } = await readUntilError(res)
    expect((error as Error)?.message).toMatch(/segment 2/)
    expect(bytes.length).toBeLessThanOrEqual(2 * 64 * 1024)
    expect(bytes).toEqual(plaintext.subarray(0, bytes.length))
  })
})

describe('decrypted spans as Blobs', () => {
  /** a file whose reads wait until `release` is called, to hold a Blob answer in the middle */
  function slowFile (size: number) {
    let release = (): void => {}
    const gate = new Promise<void>(resolve => { release = resolve })
    const file: EncryptedFile = {
      format: 'v1',
      plaintextSize: size,
      async * read (range) {
        await gate
        yield new Uint8Array(range?.length ?? size).fill(7)
      }
    }
    return { file, release }
  }

  it('answers up to maxBytes, and only while the Blobs being built stay within the budget', async () => {
    const blobs = new DecryptedBlobs({ maxBytes: 100, budgetBytes: 150 })
    const { file, release } = slowFile(1000)
    expect(await blobs.blob(file, 0, 101)).toBeUndefined()
    const first = blobs.blob(file, 0, 100)
    expect(await blobs.blob(file, 0, 60)).toBeUndefined()
    const second = blobs.blob(file, 0, 50)
    release()
    expect((await first)?.size).toBe(100)
    expect(new Uint8Array(await (await second as Blob).arrayBuffer())).toEqual(new Uint8Array(50).fill(7))
    expect((await blobs.blob(file, 0, 100))?.size).toBe(100)
  })

  it('a failed decryption gives its share of the budget back', async () => {
    const blobs = new DecryptedBlobs({ maxBytes: 100, budgetBytes: 100 })
    const failing: EncryptedFile = {
      format: 'v1',
      plaintextSize: 100,
      async * read () { yield new Uint8Array(10); throw new Error('segment 1 failed authentication') }
    }
    await expect(blobs.blob(failing, 0, 100)).rejects.toThrow(/segment 1/)
    expect((await blobs.blob(slowFileReady(100), 0, 100))?.size).toBe(100)
  })

  function slowFileReady (size: number): EncryptedFile {
    const { file, release } = slowFile(size)
    release()
    return file
  }
})
