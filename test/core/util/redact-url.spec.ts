import { describe, expect, it } from 'vitest'
import { redactError, redactUrl } from '../../../src/core/util/redact-url.ts'

describe('redactUrl: a logged URL never carries a decryption key', () => {
  it('drops the value of every key= parameter, keeping the rest of the URL', () => {
    expect(redactUrl('/ipfs/bafy?key=abc123')).toBe('/ipfs/bafy?key=[redacted]')
    expect(redactUrl('http://127.0.0.1:8090/ipfs/bafy/a.bin?format=raw&key=abc&download=true#x')).toBe('http://127.0.0.1:8090/ipfs/bafy/a.bin?format=raw&key=[redacted]&download=true#x')
    expect(redactUrl('/ipfs/a?key=k1&key=k2')).toBe('/ipfs/a?key=[redacted]&key=[redacted]')
    expect(redactUrl('/ipfs/a?KEY=k1')).toBe('/ipfs/a?KEY=[redacted]')
    expect(redactUrl('/ipfs/a#key=k1')).toBe('/ipfs/a#key=[redacted]')
  })

  it('finds keys inside messages and percent-encoded inside other URLs', () => {
    expect(redactUrl('GET /ipfs/a?key=k1 failed: TypeError at http://x/?a=1&key=k2 (line 3)')).toBe('GET /ipfs/a?key=[redacted] failed: TypeError at http://x/?a=1&key=[redacted] (line 3)')
    expect(redactUrl('next=http%3A%2F%2Fh%2Fipfs%2Fx%3Fkey%3Dsecret%26y%3D1')).toBe('next=http%3A%2F%2Fh%2Fipfs%2Fx%3Fkey%3D[redacted]%26y%3D1')
  })

  it('leaves other parameters and empty input alone', () => {
    expect(redactUrl('/ipfs/a?monkey=1&keys=2&format=car')).toBe('/ipfs/a?monkey=1&keys=2&format=car')
    expect(redactUrl(undefined)).toBe('')
    expect(redactUrl(new URL('http://h/ipfs/a?key=zz'))).toBe('http://h/ipfs/a?key=[redacted]')
  })

  it('redactError redacts the stack of an error, or any value as text', () => {
    const text = redactError(new TypeError('cannot fetch /ipfs/a?key=SECRET'))
    expect(text).toMatch(/^TypeError: cannot fetch \/ipfs\/a\?key=\[redacted\]/)
    expect(text).not.toContain('SECRET')
    expect(redactError('plain ?key=SECRET')).toBe('plain ?key=[redacted]')
  })
})
