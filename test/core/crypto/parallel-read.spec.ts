/**
 * Reading decrypts several segments at once (v1-file.ts): the plaintext still comes out in
 * order and whole, a bad segment among those in flight releases only what precedes it, and
 * the failures of other segments in flight go nowhere (no unhandled rejection).
 */
import { describe, expect, it } from 'vitest'
import { encryptBytes, HEADER_BYTES, openEncryptedFile, TAG_BYTES, toFileKey } from '../../../src/core/crypto/index.ts'
import { concat, countingSource, pseudoRandomBytes, SEG } from './helpers.ts'

const SEALED = SEG + TAG_BYTES
const plaintext = pseudoRandomBytes(40 * SEG + 5, 7) // 41 segments: several windows of parallel decryption
const { key, ciphertext } = await encryptBytes(plaintext, { segmentSize: SEG })

function flipSegments (indexes: number[]): Uint8Array {
  const copy = ciphertext.slice()
  for (const index of indexes) copy[HEADER_BYTES + index * SEALED + 10] ^= 0x01
  return copy
}

async function readAll (bytes: Uint8Array, range?: { offset: number, length: number }): Promise<{ released: Uint8Array, error?: unknown }> {
  const file = await openEncryptedFile(countingSource(bytes), toFileKey(key))
  const chunks: Uint8Array[] = []
  try {
    for await (const chunk of file.read(range)) chunks.push(chunk.slice())
  } catch (error) {
    return { released: concat(...chunks), error }
  }
  return { released: concat(...chunks) }
}

describe('a v1 file read with segments decrypted in parallel', () => {
  it('a whole read returns the plaintext in order', async () => {
    const { released, error } = await readAll(ciphertext)
    expect(error).toBeUndefined()
    expect(released).toEqual(plaintext)
  })

  it('a range across many segments returns exactly its bytes', async () => {
    const { released } = await readAll(ciphertext, { offset: 3 * SEG + 11, length: 25 * SEG + 3 })
    expect(released).toEqual(plaintext.subarray(3 * SEG + 11, 28 * SEG + 14))
  })

  it('a bad segment releases exactly the segments before it, even with later bad ones in flight', async () => {
    const { released, error } = await readAll(flipSegments([12, 13, 15]))
    expect(error).toMatchObject({ name: 'DecryptionError' })
    expect(released).toEqual(plaintext.subarray(0, 12 * SEG))
  })
})
