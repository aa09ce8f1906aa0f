import { createDecipheriv, createHash, hkdfSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { bytesSource, decryptBytes, encryptBytes, formatFileKey, openEncryptedFile, parseFileKey } from '../../../src/core/crypto/index.ts'
import { generatedPlaintext } from '../../vectors/generated-plaintext.ts'
import { collect, fromHex, hex } from './helpers.ts'

interface V1Vector { name: string, keyText: string, keyHex: string, segmentSize: number, saltHex: string, headerHex: string, plaintextHex: string, ciphertextHex: string }
interface GeneratedVector { name: string, keyText: string, keyHex: string, segmentSize: number, saltHex: string, plaintext: { seed: string, length: number }, plaintextSha256: string, ciphertextLength: number, ciphertextSha256: string }
interface LegacyVector { name: string, keyText: string, keyHex: string, plaintextHex: string, ciphertextHex: string }
interface InvalidVector { name: string, keyText: string, ciphertextHex: string, expectedCode: string }

const vectors: { v1: V1Vector[], v1Generated: GeneratedVector[], legacy: LegacyVector[], invalid: InvalidVector[], invalidKeys: Array<{ keyText: string, reason: string }> } =
  JSON.parse(readFileSync(new URL('../../vectors/encryption.json', import.meta.url), 'utf8'))
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/** The v1 layout as docs/ENCRYPTION.md states it, over Node's OpenSSL: nothing shared with src. */
function referenceDecryptV1 (key: Buffer, data: Buffer): Buffer {
  const header = data.subarray(0, 60)
  const segmentSize = header.readUInt32BE(8)
  const salt = header.subarray(12, 28)
  const derive = (info: string): Buffer => Buffer.from(hkdfSync('sha256', key, salt, info, 32))
  if (!derive('browser-cafe encrypted file v1 key commitment').equals(header.subarray(28, 60))) throw new Error('wrong key')
  const payloadKey = derive('browser-cafe encrypted file v1 payload key')
  const body = data.subarray(60)
  const sealed = segmentSize + 16
  const count = Math.max(1, Math.ceil(body.length / sealed))
  const parts = []
  for (let i = 0; i < count; i++) {
    const segment = body.subarray(i * sealed, (i + 1) * sealed)
    const nonce = Buffer.alloc(12)
    nonce.writeUInt32BE(i, 7)
    nonce[11] = i === count - 1 ? 1 : 0
    const decipher = createDecipheriv('aes-256-gcm', payloadKey, nonce).setAAD(header)
    decipher.setAuthTag(segment.subarray(segment.length - 16))
    parts.push(decipher.update(segment.subarray(0, segment.length - 16)), decipher.final())
  }
  return Buffer.concat(parts)
}

describe('test vectors (test/vectors/encryption.json)', () => {
  it('holds vectors of every kind', () => {
    expect(vectors.v1.length).toBeGreaterThanOrEqual(6)
    expect(vectors.legacy.length).toBeGreaterThanOrEqual(3)
    expect(vectors.invalid.length).toBeGreaterThanOrEqual(10)
  })

  for (const v of vectors.v1) {
    it(`v1 "${v.name}": our encoder reproduces the ciphertext and our decoder the plaintext`, async () => {
      const key = parseFileKey(v.keyText)
      expect(key.format).toBe('v1')
      expect(hex(key.bytes)).toBe(v.keyHex)
      expect(formatFileKey(key)).toBe(v.keyText)
      const { ciphertext } = await encryptBytes(fromHex(v.plaintextHex), { key: key.bytes, salt: fromHex(v.saltHex), segmentSize: v.segmentSize })
      expect(hex(ciphertext)).toBe(v.ciphertextHex)
      expect(hex(ciphertext.subarray(0, 60))).toBe(v.headerHex)
      expect(hex(await decryptBytes(fromHex(v.ciphertextHex), key))).toBe(v.plaintextHex)
    })

    it(`v1 "${v.name}": a reference decoder written from the doc agrees`, () => {
      expect(referenceDecryptV1(Buffer.from(v.keyHex, 'hex'), Buffer.from(v.ciphertextHex, 'hex')).toString('hex')).toBe(v.plaintextHex)
    })
  }

  for (const v of vectors.v1Generated) {
    it(`v1 "${v.name}": the generated plaintext encrypts to the recorded digest`, async () => {
      const plaintext = generatedPlaintext(v.plaintext.seed, v.plaintext.length)
      expect(sha256(plaintext)).toBe(v.plaintextSha256)
      const key = parseFileKey(v.keyText)
      const { ciphertext } = await encryptBytes(plaintext, { key: key.bytes, salt: fromHex(v.saltHex), segmentSize: v.segmentSize })
      expect(ciphertext.length).toBe(v.ciphertextLength)
      expect(sha256(ciphertext)).toBe(v.ciphertextSha256)
      const file = await openEncryptedFile(bytesSource(ciphertext), key)
      expect(sha256(await collect(file.read()))).toBe(v.plaintextSha256)
    })
  }

  for (const v of vectors.legacy) {
    it(`legacy "${v.name}": decrypts with the key as its link carries it`, async () => {
      const key = parseFileKey(v.keyText)
      expect(key.format).toBe('legacy')
      expect(hex(key.bytes)).toBe(v.keyHex)
      expect(hex(await decryptBytes(fromHex(v.ciphertextHex), key))).toBe(v.plaintextHex)
    })
  }

  for (const v of vectors.invalid) {
    it(`damaged "${v.name}" is refused with ${v.expectedCode}`, async () => {
      await expect(decryptBytes(fromHex(v.ciphertextHex), parseFileKey(v.keyText))).rejects.toMatchObject({ code: v.expectedCode, status: 422 })
    })
  }

  for (const v of vectors.invalidKeys) {
    it(`malformed key (${v.reason}) is refused`, () => {
      expect(() => parseFileKey(v.keyText)).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }))
    })
  }
})
