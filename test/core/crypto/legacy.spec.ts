import { createCipheriv } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_LEGACY_SIZE, openEncryptedFile, parseFileKey, toFileKey } from '../../../src/core/crypto/index.ts'
import { collect, countingSource, pseudoRandomBytes } from './helpers.ts'

/** go-textile's crypto.EncryptAES, written against Node's OpenSSL rather than our code. */
function goTextileEncrypt (plaintext: Uint8Array, key: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', key.subarray(0, 32), key.subarray(32, 44))
  return new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]))
}

const rejected = (code: string): object => expect.objectContaining({ name: 'DecryptionError', code, status: 422 })

describe('legacy go-textile files', () => {
  const keyBytes = pseudoRandomBytes(44, 21)
  const plaintext = pseudoRandomBytes(5000, 22)
  const ciphertext = goTextileEncrypt(plaintext, keyBytes)

  it('a file sealed by go-textile decrypts with its 44-byte key', async () => {
    const file = await openEncryptedFile(countingSource(ciphertext), toFileKey(keyBytes))
    expect(file.format).toBe('legacy')
    expect(file.plaintextSize).toBe(plaintext.length)
    expect(await collect(file.read())).toEqual(plaintext)
  })

  it('ranges of a legacy file equal the plaintext slices', async () => {
    const file = await openEncryptedFile(countingSource(ciphertext), toFileKey(keyBytes))
    for (const [offset, length] of [[0, 1], [plaintext.length - 1, 1], [1000, 3000], [0, plaintext.length], [17, 0]]) {
      expect(await collect(file.read({ offset, length }))).toEqual(plaintext.subarray(offset, offset + length))
    }
    await expect(collect(file.read({ offset: plaintext.length, length: 1 }))).rejects.toMatchObject({ status: 416 })
  })

  it('a link with the seed doc key (the raw 44 characters as key bytes) decrypts', async () => {
    const text = '17q9mTWHjSOIjWiAoZxYy3cYTN917q9mUBhOu0mxr6YM'
    const photo = new TextEncoder().encode('yoyoyoyo!')
    const file = await openEncryptedFile(countingSource(goTextileEncrypt(photo, new TextEncoder().encode(text))), parseFileKey(text))
    expect(await collect(file.read())).toEqual(photo)
  })

  it('an empty legacy file is just a tag', async () => {
    const file = await openEncryptedFile(countingSource(goTextileEncrypt(new Uint8Array(0), keyBytes)), toFileKey(keyBytes))
    expect(file.plaintextSize).toBe(0)
  })

  it('a wrong key, a flipped bit or a cut-off file is refused before any plaintext exists', async () => {
    await expect(openEncryptedFile(countingSource(ciphertext), toFileKey(pseudoRandomBytes(44, 99)))).rejects.toEqual(rejected('DECRYPTION_FAILED'))
    const flipped = ciphertext.slice()
    flipped[2500] ^= 1
    await expect(openEncryptedFile(countingSource(flipped), toFileKey(keyBytes))).rejects.toEqual(rejected('DECRYPTION_FAILED'))
    await expect(openEncryptedFile(countingSource(ciphertext.subarray(0, 4000)), toFileKey(keyBytes))).rejects.toEqual(rejected('DECRYPTION_FAILED'))
    await expect(openEncryptedFile(countingSource(ciphertext.subarray(0, 15)), toFileKey(keyBytes))).rejects.toEqual(rejected('TRUNCATED'))
  })

  it('a legacy file over the size limit is refused with 413 without reading it', async () => {
    const source = countingSource(ciphertext)
    await expect(openEncryptedFile(source, toFileKey(keyBytes), { maxLegacySize: ciphertext.length - 1 })).rejects.toMatchObject({ code: 'LEGACY_FILE_TOO_LARGE', status: 413 })
    expect(source.bytesRead).toBe(0)
    const huge = { size: DEFAULT_MAX_LEGACY_SIZE + 1, read: source.read }
    await expect(openEncryptedFile(huge, toFileKey(keyBytes))).rejects.toMatchObject({ code: 'LEGACY_FILE_TOO_LARGE', status: 413 })
    const file = await openEncryptedFile(source, toFileKey(keyBytes), { maxLegacySize: ciphertext.length })
    expect(file.plaintextSize).toBe(plaintext.length)
  })

  it('a v1 (32-byte) key on a legacy file is refused as the wrong format', async () => {
    await expect(openEncryptedFile(countingSource(ciphertext), toFileKey(pseudoRandomBytes(32, 1)))).rejects.toEqual(rejected('UNSUPPORTED_FORMAT'))
  })
})
