import { describe, expect, it } from 'vitest'
import { DecryptionError, encryptBytes, HEADER_BYTES, openEncryptedFile, TAG_BYTES, toFileKey } from '../../../src/core/crypto/index.ts'
import { concat, countingSource, pseudoRandomBytes, SEG } from './helpers.ts'
import type { CiphertextSource, EncryptedFile, FileKey } from '../../../src/core/crypto/index.ts'

const SEALED = SEG + TAG_BYTES
const plaintext = pseudoRandomBytes(3 * SEG + 17, 42) // four segments, the last of 17 bytes
const { key: keyBytes, ciphertext } = await encryptBytes(plaintext, { segmentSize: SEG })
const key = toFileKey(keyBytes)

const segmentAt = (bytes: Uint8Array, index: number): Uint8Array => bytes.subarray(HEADER_BYTES + index * SEALED, HEADER_BYTES + (index + 1) * SEALED)
const flip = (bytes: Uint8Array, at: number): Uint8Array => {
  const copy = bytes.slice()
  copy[at] ^= 0x01
  return copy
}

async function open (bytes: Uint8Array, fileKey: FileKey = key): Promise<EncryptedFile> {
  return await openEncryptedFile(countingSource(bytes), fileKey)
}

/** Reads the whole file; returns what was released before the error, and the error. */
async function readUntilError (file: EncryptedFile): Promise<{ released: Uint8Array, error: unknown }> {
  const chunks: Uint8Array[] = []
  try {
    for await (const chunk of file.read()) chunks.push(chunk)
  } catch (error) {
    return { released: concat(...chunks), error }
  }
  throw new Error('tampering went unnoticed')
}

const rejected = (code: string): object => expect.objectContaining({ name: 'DecryptionError', code, status: 422 })

describe('tampering with a v1 file is detected', () => {
  it('the untouched file decrypts (control)', async () => {
    const file = await open(ciphertext)
    const chunks: Uint8Array[] = []
    for await (const chunk of file.read()) chunks.push(chunk)
    expect(concat(...chunks)).toEqual(plaintext)
  })

  it('a flipped bit anywhere in the header is refused at open', async () => {
    for (let at = 0; at < HEADER_BYTES; at++) {
      const error = await open(flip(ciphertext, at)).then(() => undefined, (err: unknown) => err)
      expect(error, `header byte ${at}`).toBeInstanceOf(DecryptionError)
    }
  })

  it('a flipped magic, version or algorithm byte reads as an unsupported format', async () => {
    for (const at of [0, 5, 6, 7]) await expect(open(flip(ciphertext, at))).rejects.toEqual(rejected('UNSUPPORTED_FORMAT'))
  })

  it('a flipped bit in the salt or the key commitment reads as a wrong key', async () => {
    await expect(open(flip(ciphertext, 12))).rejects.toEqual(rejected('DECRYPTION_FAILED'))
    await expect(open(flip(ciphertext, HEADER_BYTES - 1))).rejects.toEqual(rejected('DECRYPTION_FAILED'))
  })

  it('a flipped bit in a middle segment body fails that segment and releases only the segments before it', async () => {
    const file = await open(flip(ciphertext, HEADER_BYTES + SEALED + 100))
    const { released, error } = await readUntilError(file)
    expect(error).toEqual(rejected('DECRYPTION_FAILED'))
    expect(released).toEqual(plaintext.subarray(0, SEG))
  })

  it('a flipped bit in a segment tag fails that segment', async () => {
    const file = await open(flip(ciphertext, HEADER_BYTES + 3 * SEALED - 1))
    const { released, error } = await readUntilError(file)
    expect(error).toEqual(rejected('DECRYPTION_FAILED'))
    expect(released).toEqual(plaintext.subarray(0, 2 * SEG))
  })

  it('a flipped bit in the final segment is refused at open', async () => {
    await expect(open(flip(ciphertext, ciphertext.length - 1))).rejects.toEqual(rejected('DECRYPTION_FAILED'))
    await expect(open(flip(ciphertext, ciphertext.length - TAG_BYTES - 1))).rejects.toEqual(rejected('DECRYPTION_FAILED'))
  })

  it('two swapped segments fail at the first of them, with nothing released', async () => {
    const swapped = concat(ciphertext.subarray(0, HEADER_BYTES), segmentAt(ciphertext, 1), segmentAt(ciphertext, 0), ciphertext.subarray(HEADER_BYTES + 2 * SEALED))
    const { released, error } = await readUntilError(await open(swapped))
    expect(error).toEqual(rejected('DECRYPTION_FAILED'))
    expect(released.length).toBe(0)
  })

  it('a dropped final segment reads as truncated', async () => {
    await expect(open(ciphertext.subarray(0, HEADER_BYTES + 3 * SEALED))).rejects.toEqual(rejected('TRUNCATED'))
  })

  it('a dropped middle segment is refused at open', async () => {
    const dropped = concat(ciphertext.subarray(0, HEADER_BYTES + SEALED), ciphertext.subarray(HEADER_BYTES + 2 * SEALED))
    await expect(open(dropped)).rejects.toEqual(rejected('DECRYPTION_FAILED'))
  })

  it('a file cut inside a segment is refused at open', async () => {
    for (const length of [HEADER_BYTES + 2 * SEALED + 500, ciphertext.length - 1, ciphertext.length - 17]) {
      await expect(open(ciphertext.subarray(0, length)), `cut at ${length}`).rejects.toBeInstanceOf(DecryptionError)
    }
    // too short for even a tag after the last full segment: known from the size alone
    await expect(open(ciphertext.subarray(0, HEADER_BYTES + 3 * SEALED + 10))).rejects.toEqual(rejected('TRUNCATED'))
    await expect(open(ciphertext.subarray(0, HEADER_BYTES + 5))).rejects.toEqual(rejected('TRUNCATED'))
    await expect(open(ciphertext.subarray(0, 30))).rejects.toEqual(rejected('TRUNCATED'))
    await expect(open(new Uint8Array(0))).rejects.toEqual(rejected('TRUNCATED'))
  })

  it('an appended segment, or appended bytes, are refused at open', async () => {
    await expect(open(concat(ciphertext, segmentAt(ciphertext, 1)))).rejects.toEqual(rejected('DECRYPTION_FAILED'))
    await expect(open(concat(ciphertext, ciphertext.subarray(ciphertext.length - 33)))).rejects.toEqual(rejected('DECRYPTION_FAILED'))
    await expect(open(concat(ciphertext, new Uint8Array(20)))).rejects.toBeInstanceOf(DecryptionError)
  })

  it('segments from another file under the same key do not decrypt under this header', async () => {
    const other = await encryptBytes(plaintext, { key: keyBytes, segmentSize: SEG })
    const spliced = concat(ciphertext.subarray(0, HEADER_BYTES), other.ciphertext.subarray(HEADER_BYTES))
    await expect(open(spliced)).rejects.toEqual(rejected('DECRYPTION_FAILED'))
  })

  it('a wrong key is refused at open, after reading only the header', async () => {
    const source = countingSource(ciphertext)
    await expect(openEncryptedFile(source, toFileKey(pseudoRandomBytes(32, 5)))).rejects.toEqual(rejected('DECRYPTION_FAILED'))
    expect(source.bytesRead).toBe(HEADER_BYTES)
  })

  it('a legacy (44-byte) key on a v1 file is refused with a clear message', async () => {
    await expect(open(ciphertext, toFileKey(pseudoRandomBytes(44, 5)))).rejects.toEqual(rejected('UNSUPPORTED_FORMAT'))
  })

  it('a source that yields fewer bytes than its size reads as truncated', async () => {
    const honest = countingSource(ciphertext)
    await expect(openEncryptedFile({ size: ciphertext.length + SEALED, read: honest.read }, key)).rejects.toEqual(rejected('TRUNCATED'))

    // the header and final segment are there, the middle stops after segment 0
    const finalAt = HEADER_BYTES + 3 * SEALED
    const shortMiddle: CiphertextSource = {
      size: ciphertext.length,
      read: (offset, length) => honest.read(offset, offset >= finalAt ? length : Math.min(length, HEADER_BYTES + SEALED - offset))
    }
    const { released, error } = await readUntilError(await openEncryptedFile(shortMiddle, key))
    expect(error).toEqual(rejected('TRUNCATED'))
    expect(released).toEqual(plaintext.subarray(0, SEG))
  })
})
