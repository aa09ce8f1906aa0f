import { describe, expect, it } from 'vitest'
import { encryptBytes, HEADER_BYTES, openEncryptedFile, TAG_BYTES, toFileKey } from '../../../src/core/crypto/index.ts'
import { collect, countingSource, pseudoRandomBytes, SEG } from './helpers.ts'
import type { CountingSource } from './helpers.ts'
import type { EncryptedFile } from '../../../src/core/crypto/index.ts'

const SEALED = SEG + TAG_BYTES
const size = 3 * SEG + 17
const plaintext = pseudoRandomBytes(size, 77)
const { key, ciphertext } = await encryptBytes(plaintext, { segmentSize: SEG })

async function opened (): Promise<{ source: CountingSource, file: EncryptedFile }> {
  const source = countingSource(ciphertext)
  const file = await openEncryptedFile(source, toFileKey(key))
  source.reset()
  return { source, file }
}

const edges: Array<[string, number, number]> = [
  ['the first byte', 0, 1],
  ['the last byte', size - 1, 1],
  ['a range across a segment boundary', SEG - 5, 10],
  ['exactly one segment', SEG, SEG],
  ['the whole file', 0, size],
  ['the final segment alone', 3 * SEG, 17],
  ['the last byte of a segment', 2 * SEG - 1, 1],
  ['the first byte of a segment', 2 * SEG, 1],
  ['a range across all four segments', 100, size - 101],
  ['an empty range', 500, 0],
  ['an empty range at the end', size, 0]
]

describe('ranges of a v1 file', () => {
  for (const [name, offset, length] of edges) {
    it(`${name} (${offset}+${length}) equals that slice of the plaintext`, async () => {
      const { file } = await opened()
      expect(await collect(file.read({ offset, length }))).toEqual(plaintext.subarray(offset, offset + length))
    })
  }

  it('a range reads only the segments it covers from the source', async () => {
    const { source, file } = await opened()
    await collect(file.read({ offset: SEG + 10, length: 20 }))
    expect(source.reads).toEqual([{ offset: HEADER_BYTES + SEALED, length: SEALED }])
    expect(source.bytesRead).toBe(SEALED)

    source.reset()
    await collect(file.read({ offset: SEG - 1, length: SEG + 2 }))
    expect(source.reads).toEqual([{ offset: HEADER_BYTES, length: 3 * SEALED }])
    expect(source.bytesRead).toBe(3 * SEALED)
  })

  it('the final segment, authenticated at open, is not read again', async () => {
    const { source, file } = await opened()
    expect(await collect(file.read({ offset: size - 3, length: 3 }))).toEqual(plaintext.subarray(size - 3))
    expect(source.bytesRead).toBe(0)
  })

  it('opening reads only the header and the final segment', async () => {
    const source = countingSource(ciphertext)
    await openEncryptedFile(source, toFileKey(key))
    expect(source.reads).toEqual([{ offset: 0, length: HEADER_BYTES }, { offset: HEADER_BYTES + 3 * SEALED, length: 17 + TAG_BYTES }])
  })

  it('a range outside the plaintext is refused with 416', async () => {
    const { file } = await opened()
    for (const range of [{ offset: size, length: 1 }, { offset: 0, length: size + 1 }, { offset: -1, length: 1 }, { offset: 0.5, length: 1 }, { offset: 0, length: -1 }]) {
      await expect(collect(file.read(range)), JSON.stringify(range)).rejects.toMatchObject({ code: 'RANGE_NOT_SATISFIABLE', status: 416 })
    }
  })

  it('an empty file has a size of 0 and an empty read', async () => {
    const empty = await encryptBytes(new Uint8Array(0), { segmentSize: SEG })
    const file = await openEncryptedFile(countingSource(empty.ciphertext), toFileKey(empty.key))
    expect(file.plaintextSize).toBe(0)
    expect((await collect(file.read())).length).toBe(0)
    expect((await collect(file.read({ offset: 0, length: 0 }))).length).toBe(0)
  })

  it('an aborted read stops before the next segment', async () => {
    const { file } = await opened()
    const controller = new AbortController()
    const chunks: Uint8Array[] = []
    await expect((async () => {
      for await (const chunk of file.read(undefined, { signal: controller.signal })) {
        chunks.push(chunk)
        controller.abort()
      }
    })()).rejects.toMatchObject({ name: 'AbortError' })
    expect(chunks.length).toBe(1)
  })
})
