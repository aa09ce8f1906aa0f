/**
 * Writes test/vectors/encryption.json. v1 ciphertexts come from our encoder with fixed
 * keys and salts; legacy ciphertexts from Node's OpenSSL AES-256-GCM, as go-textile's
 * crypto.EncryptAES makes them. Run: npx tsx test/vectors/generate-encryption-vectors.ts
 */
import { createCipheriv, createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { deriveKeys } from '../../src/core/crypto/aead.ts'
import { encodeHeader } from '../../src/core/crypto/format.ts'
import { encryptBytes, formatFileKey, HEADER_BYTES, TAG_BYTES } from '../../src/core/crypto/index.ts'
import { generatedPlaintext } from './generated-plaintext.ts'

const sha256 = (data: string | Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest())
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

async function v1Vector (name: string, size: number, segmentSize: number): Promise<Record<string, unknown>> {
  const key = sha256(`browser-cafe v1 vector key ${name}`)
  const salt = sha256(`browser-cafe v1 vector salt ${name}`).subarray(0, 16)
  const plaintext = generatedPlaintext(name, size)
  const { ciphertext } = await encryptBytes(plaintext, { key, salt, segmentSize })
  const { payloadKey, commitment } = deriveKeys(key, salt)
  return {
    name,
    keyText: formatFileKey(key),
    keyHex: hex(key),
    segmentSize,
    saltHex: hex(salt),
    payloadKeyHex: hex(payloadKey),
    commitmentHex: hex(commitment),
    headerHex: hex(encodeHeader(segmentSize, salt, commitment)),
    plaintextHex: hex(plaintext),
    ciphertextHex: hex(ciphertext)
  }
}

function legacyVector (name: string, keyBytes: Uint8Array, keyText: string, keyEncoding: string, plaintext: Uint8Array): Record<string, unknown> {
  const cipher = createCipheriv('aes-256-gcm', keyBytes.subarray(0, 32), keyBytes.subarray(32, 44))
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
  return { name, keyText, keyEncoding, keyHex: hex(keyBytes), plaintextHex: hex(plaintext), ciphertextHex: hex(ciphertext) }
}

const v1 = [
  await v1Vector('empty', 0, 64),
  await v1Vector('one byte', 1, 64),
  await v1Vector('one short of a segment', 63, 64),
  await v1Vector('exactly one segment', 64, 64),
  await v1Vector('one past a segment', 65, 64),
  await v1Vector('three full segments and 8 bytes', 200, 64)
]

const big = await v1Vector('default segment size, two segments and one byte', 65_537, 65_536)
const v1Generated = [{
  name: big.name,
  keyText: big.keyText,
  keyHex: big.keyHex,
  segmentSize: big.segmentSize,
  saltHex: big.saltHex,
  plaintext: { generator: 'sha256-counter', seed: big.name, length: 65_537 },
  plaintextSha256: hex(sha256(Buffer.from(big.plaintextHex as string, 'hex'))),
  ciphertextLength: (big.ciphertextHex as string).length / 2,
  ciphertextSha256: hex(sha256(Buffer.from(big.ciphertextHex as string, 'hex')))
}]

const seedDocKey = '17q9mTWHjSOIjWiAoZxYy3cYTN917q9mUBhOu0mxr6YM'
const legacyKey = sha256('legacy vector key a').subarray(0, 32)
const legacyBytes = new Uint8Array([...legacyKey, ...sha256('legacy vector nonce a').subarray(0, 12)])
const legacyKey2 = new Uint8Array([...sha256('legacy vector key b'), ...sha256('legacy vector nonce b').subarray(0, 12)])
const legacy = [
  legacyVector('go-textile test plaintext, base58btc key', legacyBytes, formatFileKey(legacyBytes), 'base58btc', new TextEncoder().encode('yoyoyoyo!')),
  legacyVector('100 bytes, base58btc key', legacyKey2, formatFileKey(legacyKey2), 'base58btc', generatedPlaintext('legacy 100', 100)),
  legacyVector('empty, base58btc key', legacyKey2, formatFileKey(legacyKey2), 'base58btc', new Uint8Array(0)),
  legacyVector('seed doc key text, raw ASCII (KSUID era)', new TextEncoder().encode(seedDocKey), seedDocKey, 'raw-ascii', generatedPlaintext('legacy ksuid', 50))
]

// Damaged files: every one must be refused. expectedCode is what this implementation reports.
const three = v1[5] as { keyText: string, ciphertextHex: string }
const ct = Buffer.from(three.ciphertextHex, 'hex')
const sealed = 64 + TAG_BYTES
const seg = (i: number): Buffer => ct.subarray(HEADER_BYTES + i * sealed, HEADER_BYTES + (i + 1) * sealed)
const flipped = (at: number): Buffer => { const copy = Buffer.from(ct); copy[at] ^= 1; return copy }
const legacyCt = Buffer.from((legacy[1] as { ciphertextHex: string }).ciphertextHex, 'hex')
const invalid = [
  { name: 'wrong key', format: 'v1', keyText: (v1[4] as { keyText: string }).keyText, ciphertextHex: ct.toString('hex'), expectedCode: 'DECRYPTION_FAILED' },
  { name: 'salt bit flipped', format: 'v1', keyText: three.keyText, ciphertextHex: flipped(12).toString('hex'), expectedCode: 'DECRYPTION_FAILED' },
  { name: 'segment size changed to 65', format: 'v1', keyText: three.keyText, ciphertextHex: flipped(11).toString('hex'), expectedCode: 'DECRYPTION_FAILED' },
  { name: 'version byte changed', format: 'v1', keyText: three.keyText, ciphertextHex: flipped(6).toString('hex'), expectedCode: 'UNSUPPORTED_FORMAT' },
  { name: 'bit flipped in segment 1', format: 'v1', keyText: three.keyText, ciphertextHex: flipped(HEADER_BYTES + sealed + 3).toString('hex'), expectedCode: 'DECRYPTION_FAILED' },
  { name: 'bit flipped in the tag of segment 0', format: 'v1', keyText: three.keyText, ciphertextHex: flipped(HEADER_BYTES + sealed - 1).toString('hex'), expectedCode: 'DECRYPTION_FAILED' },
  { name: 'segments 0 and 1 swapped', format: 'v1', keyText: three.keyText, ciphertextHex: Buffer.concat([ct.subarray(0, HEADER_BYTES), seg(1), seg(0), ct.subarray(HEADER_BYTES + 2 * sealed)]).toString('hex'), expectedCode: 'DECRYPTION_FAILED' },
  { name: 'final segment dropped', format: 'v1', keyText: three.keyText, ciphertextHex: ct.subarray(0, HEADER_BYTES + 3 * sealed).toString('hex'), expectedCode: 'TRUNCATED' },
  { name: 'cut inside the final segment', format: 'v1', keyText: three.keyText, ciphertextHex: ct.subarray(0, ct.length - 3).toString('hex'), expectedCode: 'DECRYPTION_FAILED' },
  { name: 'cut inside the final tag', format: 'v1', keyText: three.keyText, ciphertextHex: ct.subarray(0, HEADER_BYTES + 3 * sealed + 10).toString('hex'), expectedCode: 'TRUNCATED' },
  { name: 'segment 1 appended', format: 'v1', keyText: three.keyText, ciphertextHex: Buffer.concat([ct, seg(1)]).toString('hex'), expectedCode: 'DECRYPTION_FAILED' },
  { name: 'legacy: bit flipped', format: 'legacy', keyText: (legacy[1] as { keyText: string }).keyText, ciphertextHex: Buffer.concat([legacyCt.subarray(0, 5), Buffer.from([legacyCt[5] ^ 1]), legacyCt.subarray(6)]).toString('hex'), expectedCode: 'DECRYPTION_FAILED' },
  { name: 'legacy: last byte cut', format: 'legacy', keyText: (legacy[1] as { keyText: string }).keyText, ciphertextHex: legacyCt.subarray(0, legacyCt.length - 1).toString('hex'), expectedCode: 'DECRYPTION_FAILED' },
  { name: 'legacy: wrong key', format: 'legacy', keyText: (legacy[0] as { keyText: string }).keyText, ciphertextHex: legacyCt.toString('hex'), expectedCode: 'DECRYPTION_FAILED' }
]

const invalidKeys = [
  { keyText: '', reason: 'empty' },
  { keyText: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh', reason: '42 base64url characters' },
  { keyText: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=', reason: 'padded base64url' },
  { keyText: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd+/8', reason: 'standard base64 alphabet' },
  { keyText: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9', reason: 'non-zero spare bits in the last character' },
  { keyText: formatFileKey(legacyBytes).slice(0, -1) + '0', reason: '0 is not in the base58btc alphabet' },
  { keyText: seedDocKey + 'x', reason: '45 alphanumeric characters' }
]

const vectors = {
  description: 'Test vectors for browser-cafe encrypted files. Layout, key schedule and key encodings: docs/ENCRYPTION.md. All binary values are lowercase hex.',
  v1,
  v1Generated,
  legacy,
  invalid,
  invalidKeys
}
writeFileSync(new URL('./encryption.json', import.meta.url), JSON.stringify(vectors, null, 2) + '\n')
