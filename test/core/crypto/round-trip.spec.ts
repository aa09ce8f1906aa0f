import { describe, expect, it } from 'vitest'
import { DEFAULT_SEGMENT_SIZE, encryptBytes, encryptedSize, encryptStream, HEADER_BYTES, openEncryptedFile, TAG_BYTES, toFileKey } from '../../../src/core/crypto/index.ts'
import { collect, countingSource, inChunks, pseudoRandomBytes, SEG } from './helpers.ts'

const sizes = [0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG + 17]

describe('v1 encrypted files round trip', () => {
  for (const size of sizes) {
    it(`a ${size}-byte file decrypts to the same bytes, with its size known from the ciphertext size`, async () => {
      const plaintext = pseudoRandomBytes(size, size + 1)
      const { key, ciphertext } = await encryptBytes(plaintext, { segmentSize: SEG })
      expect(ciphertext.length).toBe(encryptedSize(size, SEG))
      const segments = Math.max(1, Math.ceil(size / SEG))
      expect(ciphertext.length).toBe(HEADER_BYTES + size + segments * TAG_BYTES)

      const file = await openEncryptedFile(countingSource(ciphertext), toFileKey(key))
      expect(file.format).toBe('v1')
      expect(file.plaintextSize).toBe(size)
      expect(await collect(file.read())).toEqual(plaintext)
    })
  }

  it('a streamed plaintext in odd chunks encrypts to a file that decrypts the same', async () => {
    const plaintext = pseudoRandomBytes(5 * SEG + 3, 7)
    const { key, ciphertext } = encryptStream(inChunks(plaintext, 700), { segmentSize: SEG })
    const bytes = await collect(ciphertext)
    expect(bytes.length).toBe(encryptedSize(plaintext.length, SEG))
    const file = await openEncryptedFile(countingSource(bytes, 97), toFileKey(key))
    expect(await collect(file.read())).toEqual(plaintext)
  })

  it('the 64 KiB default segment size round trips a file of several segments', async () => {
    const plaintext = pseudoRandomBytes(2 * DEFAULT_SEGMENT_SIZE + 5, 3)
    const { key, ciphertext } = await encryptBytes(plaintext)
    expect(new DataView(ciphertext.buffer).getUint32(8)).toBe(DEFAULT_SEGMENT_SIZE)
    const file = await openEncryptedFile(countingSource(ciphertext, 16_384), toFileKey(key))
    expect(file.plaintextSize).toBe(plaintext.length)
    expect(await collect(file.read())).toEqual(plaintext)
  })

  it('the same plaintext encrypted twice gives different ciphertexts and keys', async () => {
    const plaintext = pseudoRandomBytes(100)
    const a = await encryptBytes(plaintext, { segmentSize: SEG })
    const b = await encryptBytes(plaintext, { segmentSize: SEG })
    expect(a.key).not.toEqual(b.key)
    expect(a.ciphertext).not.toEqual(b.ciphertext)
  })

  it('a key reused for two files still gives unrelated ciphertexts (fresh salt)', async () => {
    const key = pseudoRandomBytes(32, 9)
    const plaintext = pseudoRandomBytes(SEG, 10)
    const a = await encryptBytes(plaintext, { key, segmentSize: SEG })
    const b = await encryptBytes(plaintext, { key, segmentSize: SEG })
    expect(a.ciphertext.subarray(HEADER_BYTES)).not.toEqual(b.ciphertext.subarray(HEADER_BYTES))
  })

  it('a producer that reuses its buffer does not corrupt the held-back segment', async () => {
    const plaintext = pseudoRandomBytes(3 * SEG, 11)
    async function * reusing (): AsyncGenerator<Uint8Array> {
      const buffer = new Uint8Array(SEG)
      for (let at = 0; at < plaintext.length; at += SEG) {
        buffer.set(plaintext.subarray(at, at + SEG))
        yield buffer
      }
    }
    const { key, ciphertext } = encryptStream(reusing(), { segmentSize: SEG })
    const file = await openEncryptedFile(countingSource(await collect(ciphertext)), toFileKey(key))
    expect(await collect(file.read())).toEqual(plaintext)
  })

  it('bad encryption options are refused', async () => {
    await expect(encryptBytes(new Uint8Array(1), { key: new Uint8Array(31) })).rejects.toMatchObject({ code: 'KEY_INVALID', status: 400 })
    await expect(encryptBytes(new Uint8Array(1), { segmentSize: 10 })).rejects.toMatchObject({ code: 'SEGMENT_SIZE_INVALID' })
    expect(() => encryptStream(inChunks(new Uint8Array(1), 1), { segmentSize: 1.5 })).toThrow(expect.objectContaining({ code: 'SEGMENT_SIZE_INVALID' }))
  })

  it('an aborted encryption stops', async () => {
    const controller = new AbortController()
    const { ciphertext } = encryptStream(inChunks(pseudoRandomBytes(4 * SEG), SEG), { segmentSize: SEG, signal: controller.signal })
    const iterator = ciphertext[Symbol.asyncIterator]()
    await iterator.next()
    controller.abort()
    await expect(collect({ [Symbol.asyncIterator]: () => iterator })).rejects.toThrow()
  })
})
