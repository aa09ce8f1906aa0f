/**
 * A decrypted span as one Blob, where the gateway runs in a browser (it has a BlobSource):
 * the browser then hands the body to the page from its blob store, while a body streamed
 * from JavaScript crosses from the Service Worker to the page 64 KiB at a time. Measured in
 * the bench page (64 MiB, 2 busy cores): ready bytes streamed from the Service Worker took
 * about 610 ms to reach the page, the same bytes as one Blob about 190 ms.
 *
 * Every segment of the span is authenticated before the Blob exists, so a damaged segment
 * is an error status, never a partial body. The plaintext goes to the blob store in groups
 * of GROUP_BYTES as it is decrypted (the JavaScript heap holds about one group), and it
 * must stay in memory, never on disk: Chromium keeps Blobs in memory up to its blob memory
 * limit (500 MiB by default) and pages them to its profile directory beyond it. So a span
 * is answered as a Blob only up to `maxBytes`, and only while the Blobs being built stay
 * within `budgetBytes` together; anything else is streamed.
 */
import type { EncryptedFile } from '../crypto/index.ts'
import type { AbortOptions } from '../types.ts'

/** the largest span answered as a Blob by default */
export const DEFAULT_DECRYPTED_BLOB_MAX_BYTES = 64 * 1024 * 1024

/** plaintext handed to the blob store at once (what the JavaScript heap holds of a span) */
const GROUP_BYTES = 4 * 1024 * 1024

export interface DecryptedBlobInit {
  /** the largest span answered as a Blob; 0 streams every span */
  maxBytes?: number
  /** the plaintext of all Blobs being built at once (default: twice `maxBytes`) */
  budgetBytes?: number
}

export class DecryptedBlobs {
  readonly maxBytes: number
  readonly budgetBytes: number
  private building = 0

  constructor (init: DecryptedBlobInit = {}) {
    this.maxBytes = init.maxBytes ?? DEFAULT_DECRYPTED_BLOB_MAX_BYTES
    this.budgetBytes = init.budgetBytes ?? 2 * this.maxBytes
  }

  /**
   * Plaintext bytes `start` to `end` (exclusive) as one Blob of authenticated segments, or
   * undefined when the span is too large or the budget is taken (then stream it).
   * A segment that fails authentication rejects, before any byte is answered.
   */
  async blob (file: EncryptedFile, start: number, end: number, options: AbortOptions = {}): Promise<Blob | undefined> {
    const size = end - start
    if (size > this.maxBytes || this.building + size > this.budgetBytes) return undefined
    this.building += size
    try {
      const groups: Blob[] = []
      let parts: Uint8Array[] = []
      let grouped = 0
      for await (const part of file.read({ offset: start, length: size }, options)) {
        parts.push(part)
        grouped += part.byteLength
        if (grouped >= GROUP_BYTES) {
          groups.push(new Blob(parts as BlobPart[]))
          parts = []
          grouped = 0
        }
      }
      if (parts.length > 0) groups.push(new Blob(parts as BlobPart[]))
      return new Blob(groups)
    } finally {
      this.building -= size
    }
  }
}
