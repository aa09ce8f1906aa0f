import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { bytesSource, decryptBytes, encryptBytes, HEADER_BYTES, openEncryptedFile, parseFileKey, TAG_BYTES, toFileKey, webCryptoAead } from '../../src/core/crypto/index.ts'
import { nodeAead } from '../../src/node/aead.ts'
import { collect, concat, countingSource, fromHex, hex, pseudoRandomBytes, SEG } from '../core/crypto/helpers.ts'
import { generatedPlaintext } from '../vectors/generated-plaintext.ts'
import type { Aead, EncryptedFile, FileKey } from '../../src/core/crypto/index.ts'

interface Vectors {
  v1: Array<{ name: string, keyText: string, plaintextHex: string, ciphertextHex: string }>
  v1Generated: Array<{ name: string, keyText: string, saltHex: string, segmentSize: number, plaintext: { seed: string, length: number } }>
  legacy: Array<{ name: string, keyText: string, plaintextHex: string, ciphertextHex: string }>
  invalid: Array<{ name: string, keyText: string, ciphertextHex: string, expectedCode: string }>
}
const vectors: Vectors = JSON.parse(readFileSync(new URL('../vectors/encryption.json', import.meta.url), 'utf8'))

/** What a read gives: the bytes released, and the error (name, code, status, message) if any. */
async function outcome (file: Promise<EncryptedFile>, range?: { offset: number, length: number }): Promise<{ released: string, error?: object }> {
  const chunks: Uint8Array[] = []
  try {
    for await (const chunk of (await file).read(range)) chunks.push(chunk)
  } catch (err) {
    const { name, code, status, message } = err as { name: string, code: string, status: number, message: string }
    return { released: hex(concat(...chunks)), error: { name, code, status, message } }
  }
  return { released: hex(concat(...chunks)) }
}

const openWith = async (aead: Aead, bytes: Uint8Array, key: FileKey): Promise<EncryptedFile> =>
  await openEncryptedFile(countingSource(bytes, 1000), key, { aead, maxLegacySize: Infinity })

const plaintext = pseudoRandomBytes(5 * SEG + 100, 7)
const sealed = SEG + TAG_BYTES
const encrypted = await encryptBytes(plaintext, { segmentSize: SEG })
const key = toFileKey(encrypted.key)

describe('node:crypto segment opener (the headless cafe\'s decryption)', () => {
  for (const v of [...vectors.v1, ...vectors.legacy]) {
    it(`decrypts the vector "${v.name}"`, async () => {
      expect(hex(await decryptBytes(fromHex(v.ciphertextHex), parseFileKey(v.keyText), { aead: nodeAead }))).toBe(v.plaintextHex)
    })
  }

  for (const v of vectors.v1Generated) {
    it(`decrypts the generated vector "${v.name}" as WebCrypto does`, async () => {
      const generated = generatedPlaintext(v.plaintext.seed, v.plaintext.length)
      const fileKey = parseFileKey(v.keyText)
      const { ciphertext } = await encryptBytes(generated, { key: fileKey.bytes, salt: fromHex(v.saltHex), segmentSize: v.segmentSize })
      const file = await openEncryptedFile(bytesSource(ciphertext), fileKey, { aead: nodeAead })
      expect(await collect(file.read())).toEqual(generated)
    })
  }

  for (const v of vectors.invalid) {
    it(`refuses the damaged vector "${v.name}" with ${v.expectedCode} and WebCrypto's message`, async () => {
      const bytes = fromHex(v.ciphertextHex)
      const fileKey = parseFileKey(v.keyText)
      const ours = await outcome(openWith(nodeAead, bytes, fileKey))
      expect(ours.error).toMatchObject({ name: 'DecryptionError', code: v.expectedCode, status: 422 })
      expect(ours).toEqual(await outcome(openWith(webCryptoAead, bytes, fileKey)))
    })
  }

  it('gives byte-identical ranges', async () => {
    for (const [offset, length] of [[0, plaintext.length], [1, SEG], [SEG - 1, 2], [2 * SEG, 3 * SEG + 100], [5 * SEG + 99, 1], [3, 0]]) {
      const ours = await outcome(openWith(nodeAead, encrypted.ciphertext, key), { offset, length })
      expect(ours.released).toBe(hex(plaintext.subarray(offset, offset + length)))
      expect(ours).toEqual(await outcome(openWith(webCryptoAead, encrypted.ciphertext, key), { offset, length }))
    }
  })

  it('releases nothing of a tampered segment, and fails as WebCrypto does', async () => {
    for (let index = 0; index < 6; index++) {
      for (const at of [0, SEG, sealed - 1]) { // ciphertext, first tag byte, last tag byte
        const tampered = encrypted.ciphertext.slice()
        const position = HEADER_BYTES + index * sealed + at
        if (position >= tampered.length) continue
        tampered[position] ^= 0x01
        const ours = await outcome(openWith(nodeAead, tampered, key))
        expect(ours.error).toMatchObject({ name: 'DecryptionError', code: 'DECRYPTION_FAILED' })
        // the segments before the tampered one, not a byte of it (the final one fails at open)
        expect(ours.released).toBe(index === 5 ? '' : hex(plaintext.subarray(0, index * SEG)))
        expect(ours).toEqual(await outcome(openWith(webCryptoAead, tampered, key)))
      }
    }
  })

  it('treats a truncated file as WebCrypto does', async () => {
    for (const cut of [1, TAG_BYTES, 100 + TAG_BYTES, sealed + 100 + TAG_BYTES]) {
      const short = encrypted.ciphertext.subarray(0, encrypted.ciphertext.length - cut)
      const ours = await outcome(openWith(nodeAead, short, key))
      expect(ours.error).toMatchObject({ name: 'DecryptionError', status: 422 })
      expect(ours).toEqual(await outcome(openWith(webCryptoAead, short, key)))
    }
  })

  it('refuses a sealed segment shorter than its tag, and a wrong tag, with DecryptionError', async () => {
    const opener = await nodeAead.openingKey(new Uint8Array(32))
    expect(() => opener.open(new Uint8Array(12), new Uint8Array(TAG_BYTES - 1))).toThrow(expect.objectContaining({ name: 'DecryptionError', message: 'authentication failed' }))
    expect(() => opener.open(new Uint8Array(12), new Uint8Array(TAG_BYTES + 5))).toThrow(expect.objectContaining({ name: 'DecryptionError', message: 'authentication failed' }))
    const web = await webCryptoAead.openingKey(new Uint8Array(32))
    await expect(web.open(new Uint8Array(12), new Uint8Array(TAG_BYTES + 5))).rejects.toMatchObject({ name: 'DecryptionError', message: 'authentication failed' })
  })

  it('hands out plaintext a reader may keep: chunks are copies or own their bytes', async () => {
    const file = await openWith(nodeAead, encrypted.ciphertext, key)
    const first = await collect(file.read())
    for await (const chunk of file.read()) chunk.fill(0)
    expect(await collect(file.read())).toEqual(first)
  })
})
