import { describe, expect, it } from 'vitest'
import { packCar } from '../../src/client/car.ts'
import { byteCounter, type CafeProgressEvent } from '../../src/client/progress.ts'

async function * chunks (count: number, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) yield new Uint8Array(size).fill(i)
}

describe('progress events', () => {
  it('packCar reports bytes read growing to the total of all files', async () => {
    const events: CafeProgressEvent[] = []
    await packCar([
      { path: 'f/a.bin', content: chunks(8, 128 * 1024), size: 1024 * 1024 },
      { path: 'f/b.txt', content: new TextEncoder().encode('hello') }
    ], { onProgress: evt => events.push(evt) })
    expect(events.length).toBeGreaterThan(2)
    expect(events.every(evt => evt.type === 'cafe:car:pack' && evt.detail.total === 1024 * 1024 + 5)).toBe(true)
    const bytes = events.map(evt => evt.detail.bytes)
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b))
    expect(bytes.at(-1)).toBe(1024 * 1024 + 5)
  })

  it('a byte counter spans several streams and reports the end once', async () => {
    const events: CafeProgressEvent[] = []
    const counter = byteCounter('cafe:add', 300, evt => events.push(evt), 100)
    for (const stream of [chunks(3, 50), chunks(3, 50)]) for await (const _ of counter.count(stream)) { /* drain */ }
    counter.flush()
    counter.flush()
    expect(events.map(evt => evt.detail.bytes)).toEqual([100, 200, 300])
  })
})
