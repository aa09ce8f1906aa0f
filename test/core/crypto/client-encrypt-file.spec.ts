import { describe, expect, it } from 'vitest'
import { decryptFile, encryptFile } from '../../../src/client/encrypt-file.ts'
import { bytesSource } from '../../../src/core/crypto/index.ts'
import { collect, inChunks, pseudoRandomBytes } from './helpers.ts'

describe('client-side encryptFile / decryptFile', () => {
  const plaintext = pseudoRandomBytes(70_000, 5)

  it('bytes encrypt to bytes, and the key text decrypts them on the client', async () => {
    const { ciphertext, key, keyText } = await encryptFile(plaintext)
    expect(key.length).toBe(32)
    expect(keyText).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await decryptFile(ciphertext, keyText)).toEqual(plaintext)
  })

  it('a stream encrypts to a stream, and a source decrypts to a file that reads ranges', async () => {
    const { ciphertext, keyText } = await encryptFile(inChunks(plaintext, 10_000), { segmentSize: 4096 })
    const file = await decryptFile(bytesSource(await collect(ciphertext)), keyText)
    expect(file.plaintextSize).toBe(plaintext.length)
    expect(await collect(file.read({ offset: 4000, length: 200 }))).toEqual(plaintext.subarray(4000, 4200))
  })

  it('another file\'s key or a malformed key is refused', async () => {
    const { ciphertext } = await encryptFile(plaintext)
    const other = await encryptFile(new Uint8Array(1))
    await expect(decryptFile(ciphertext, other.keyText)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED', status: 422 })
    await expect(decryptFile(ciphertext, 'not a key')).rejects.toMatchObject({ code: 'KEY_INVALID', status: 400 })
  })
})
