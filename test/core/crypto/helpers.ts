import type { CiphertextSource } from '../../../src/core/crypto/index.ts'

export const SEG = 1024

/** Deterministic bytes (xorshift), so failures reproduce. */
export function pseudoRandomBytes (length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

export interface CountingSource extends CiphertextSource {
  /** every read call, in order */
  reads: Array<{ offset: number, length: number }>
  bytesRead: number
  reset(): void
}

/** A source over bytes that hands them out in `chunkSize` pieces and counts what is read. */
export function countingSource (bytes: Uint8Array, chunkSize = 333): CountingSource {
  const source: CountingSource = {
    size: bytes.length,
    reads: [],
    bytesRead: 0,
    reset () { source.reads = []; source.bytesRead = 0 },
    async * read (offset, length) {
      source.reads.push({ offset, length })
      const end = Math.min(offset + length, bytes.length)
      for (let at = offset; at < end; at += chunkSize) {
        const chunk = bytes.slice(at, Math.min(at + chunkSize, end))
        source.bytesRead += chunk.length
        yield chunk
      }
    }
  }
  return source
}

export async function collect (stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of stream) chunks.push(chunk)
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0))
  let at = 0
  for (const chunk of chunks) { out.set(chunk, at); at += chunk.length }
  return out
}

export async function * inChunks (bytes: Uint8Array, chunkSize: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += chunkSize) yield bytes.subarray(at, at + chunkSize)
}

export function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) { out.set(part, at); at += part.length }
  return out
}

export function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

export function fromHex (text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'))
}
