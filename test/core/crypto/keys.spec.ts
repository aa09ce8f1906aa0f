import { base58btc } from 'multiformats/bases/base58'
import { describe, expect, it } from 'vitest'
import { formatFileKey, generateFileKey, parseFileKey, toFileKey } from '../../../src/core/crypto/index.ts'
import { pseudoRandomBytes } from './helpers.ts'

describe('file keys in URLs', () => {
  it('a v1 key is 43 base64url characters and parses back to its 32 bytes', () => {
    const bytes = generateFileKey()
    const text = formatFileKey(bytes)
    expect(text).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(parseFileKey(text)).toEqual({ format: 'v1', bytes })
    expect(formatFileKey(parseFileKey(text))).toBe(text)
  })

  it('a v1 key of known bytes has a known text', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i)
    expect(formatFileKey(bytes)).toBe('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8')
  })

  it('a legacy key is written as base58btc (go-textile after 386b63cb) and parses back to its 44 bytes', () => {
    const bytes = pseudoRandomBytes(44, 3)
    const text = formatFileKey(bytes)
    expect(text).toMatch(/^[1-9A-HJ-NP-Za-km-z]{59,61}$/)
    expect(parseFileKey(text)).toEqual({ format: 'legacy', bytes })
  })

  it('the seed doc key (two KSUIDs cut to 44 characters) is a legacy key whose bytes are its characters', () => {
    const text = '17q9mTWHjSOIjWiAoZxYy3cYTN917q9mUBhOu0mxr6YM'
    const key = parseFileKey(text)
    expect(key.format).toBe('legacy')
    expect(new TextDecoder().decode(key.bytes)).toBe(text)
    // written back canonically, as base58btc, which later go-textile gateways read
    expect(parseFileKey(formatFileKey(key))).toEqual(key)
  })

  const malformed: Array<[string, string]> = [
    ['an empty key', ''],
    ['a v1 key one character short', 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh'],
    ['a v1 key with padding', 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='],
    ['a v1 key in standard base64 (+ and /)', 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd+/8'],
    ['a v1 key with non-zero spare bits', 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9'],
    ['a key with a space', 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw Hh8'],
    ['base58 of 43 bytes', base58btc.baseEncode(pseudoRandomBytes(43, 1))],
    ['base58 of 45 bytes', base58btc.baseEncode(pseudoRandomBytes(45, 1))],
    ['a base58 text with a 0', formatFileKey(pseudoRandomBytes(44, 1)).slice(0, -1) + '0'],
    ['a 45-character KSUID-like text', '17q9mTWHjSOIjWiAoZxYy3cYTN917q9mUBhOu0mxr6YMx'],
    ['a 44-character text with a dash', '17q9mTWHjSOIjWiAoZxYy3cYTN917q9mUBhOu0mxr6Y-']
  ]
  for (const [name, text] of malformed) {
    it(`${name} is refused with 400 KEY_INVALID`, () => {
      expect(() => parseFileKey(text)).toThrow(expect.objectContaining({ name: 'BadRequestError', code: 'KEY_INVALID', status: 400 }))
    })
  }

  it('key bytes of another length are refused', () => {
    for (const length of [0, 16, 31, 33, 43, 45]) {
      expect(() => toFileKey(new Uint8Array(length))).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }))
      expect(() => formatFileKey(new Uint8Array(length))).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }))
    }
  })

  it('a parsed key does not share memory with the bytes it came from', () => {
    const bytes = generateFileKey()
    const key = toFileKey(bytes)
    bytes.fill(0)
    expect(key.bytes.some(byte => byte !== 0)).toBe(true)
  })
})
