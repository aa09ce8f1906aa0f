import { createHash } from 'node:crypto'

/** The `sha256-counter` generator: SHA-256(seed || uint32be(0)) || SHA-256(seed || uint32be(1)) || ..., cut to `length`. */
export function generatedPlaintext (seed: string, length: number): Uint8Array {
  const out = new Uint8Array(length)
  const counter = Buffer.alloc(4)
  for (let i = 0; i * 32 < length; i++) {
    counter.writeUInt32BE(i)
    const block = createHash('sha256').update(seed, 'utf8').update(counter).digest()
    out.set(block.subarray(0, Math.min(32, length - i * 32)), i * 32)
  }
  return out
}
