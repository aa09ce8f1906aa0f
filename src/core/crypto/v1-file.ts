/**
 * Reading a v1 file. Opening reads the header, checks the key commitment (a wrong key
 * fails here, before any segment) and authenticates the final segment, which makes the
 * plaintext size trustworthy and catches truncation and extension before a byte is out.
 * Reads then decrypt only the segments a range covers.
 */
import { deriveKeys, equalBytes, webCryptoAead } from './aead.ts'
import { DecryptionError } from './errors.ts'
import { decodeHeader, HEADER_BYTES, layoutOf, segmentNonce, segmentOffset, TAG_BYTES } from './format.ts'
import { fixedChunks, readExactly } from './source.ts'
import { checkRange } from './encrypted-file.ts'
import type { ByteRange, EncryptedFile } from './encrypted-file.ts'
import type { Aead, OpeningKey } from './aead.ts'
import type { Header, Layout } from './format.ts'
import type { FileKey } from './key.ts'
import type { CiphertextSource } from './source.ts'
import type { AbortOptions } from '../types.ts'

/**
 * Segments decrypted at once while reading: WebCrypto works off the calling thread, so a
 * few in flight overlap decryption with the block reads and with each other. (An opener
 * that works on the calling thread has each done when it is queued.)
 */
const PARALLEL_SEGMENTS = 8
const ignore = (): void => {}

class V1File implements EncryptedFile {
  readonly format = 'v1'
  readonly plaintextSize: number
  private readonly source: CiphertextSource
  private readonly header: Header
  private readonly layout: Layout
  private readonly aesKey: OpeningKey
  private readonly finalPlaintext: Uint8Array

  constructor (source: CiphertextSource, header: Header, layout: Layout, aesKey: OpeningKey, finalPlaintext: Uint8Array) {
    this.source = source
    this.header = header
    this.layout = layout
    this.aesKey = aesKey
    this.finalPlaintext = finalPlaintext
    this.plaintextSize = layout.plaintextSize
  }

  async * read (range?: ByteRange, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    const { offset, length } = checkRange(range, this.plaintextSize)
    if (length === 0) return
    const { segmentSize, segments } = this.layout
    const end = offset + length
    const first = Math.floor(offset / segmentSize)
    const last = Math.floor((end - 1) / segmentSize)
    const slice = (plaintext: Uint8Array, index: number): Uint8Array => {
      const start = index * segmentSize
      return plaintext.subarray(Math.max(offset - start, 0), Math.min(end - start, plaintext.length))
    }
    // segments before the final one are all full; the final one was decrypted at open
    const lastStreamed = Math.min(last, segments - 2)
    if (first <= lastStreamed) {
      const sealedSize = segmentSize + TAG_BYTES
      const from = segmentOffset(first, segmentSize)
      const sealed = this.source.read(from, (lastStreamed - first + 1) * sealedSize, options)
      // WebCrypto runs each decrypt off this thread: keep several in flight, yield in order
      const pending: Array<Promise<Uint8Array>> = []
      let index = first
      let yielded = first
      const next = async (): Promise<Uint8Array> => {
        const plaintext = await (pending.shift() as Promise<Uint8Array>)
        options?.signal?.throwIfAborted()
        return plaintext
      }
      try {
        for await (const segment of fixedChunks(sealed, sealedSize)) {
          options?.signal?.throwIfAborted()
          if (segment.length < sealedSize) break
          const opening = openSegment(this.aesKey, this.header, segment, index, false)
          opening.catch(ignore)
          pending.push(opening)
          if (pending.length >= PARALLEL_SEGMENTS) yield slice(await next(), yielded++)
          if (++index > lastStreamed) break
        }
        while (pending.length > 0) yield slice(await next(), yielded++)
      } finally {
        pending.length = 0
      }
      if (index <= lastStreamed) throw new DecryptionError('the ciphertext ended before its declared size', 'TRUNCATED')
    }
    if (last === segments - 1) yield slice(this.finalPlaintext, last).slice()
  }
}

async function openSegment (aesKey: OpeningKey, header: Header, sealed: Uint8Array, index: number, final: boolean): Promise<Uint8Array> {
  try {
    return await aesKey.open(segmentNonce(index, final), sealed, header.bytes)
  } catch (err) {
    if (err instanceof DecryptionError) throw new DecryptionError(`segment ${index} failed authentication (tampered, reordered or wrong file)`)
    throw err
  }
}

export interface V1Options extends AbortOptions {
  /** opens the segments (default WebCrypto) */
  aead?: Aead
}

export async function openV1File (source: CiphertextSource, key: FileKey, options?: V1Options): Promise<EncryptedFile> {
  const header = decodeHeader(await readExactly(source, 0, Math.min(HEADER_BYTES, source.size), options))
  const { payloadKey, commitment } = deriveKeys(key.bytes, header.salt)
  if (!equalBytes(commitment, header.commitment)) {
    throw new DecryptionError('wrong key for this file (or a tampered header)')
  }
  const layout = layoutOf(source.size, header.segmentSize)
  const aesKey = await (options?.aead ?? webCryptoAead).openingKey(payloadKey)
  const finalIndex = layout.segments - 1
  const from = segmentOffset(finalIndex, layout.segmentSize)
  const sealed = await readExactly(source, from, source.size - from, options)
  let finalPlaintext: Uint8Array
  try {
    finalPlaintext = await openSegment(aesKey, header, sealed, finalIndex, true)
  } catch (err) {
    // a segment that opens as a non-final one means segments were cut off the end
    const cut = await openSegment(aesKey, header, sealed, finalIndex, false).then(() => true, () => false)
    if (cut) throw new DecryptionError('the file was truncated at a segment boundary', 'TRUNCATED')
    throw err
  }
  return new V1File(source, header, layout, aesKey, finalPlaintext)
}
