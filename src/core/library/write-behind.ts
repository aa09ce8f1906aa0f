/**
 * Puts that return once queued, so an import reads and hashes the next blocks while the
 * store writes the last ones. At most `window` puts are in flight (memory stays bounded
 * whatever the file size); `flush()` waits for every put and throws the first failure, so
 * whoever reports the import done (or pins it) does so only once all its blocks are stored.
 */
import type { AbortOptions } from '../types.ts'
import type { CID } from 'multiformats/cid'

export type PutBlock = (cid: CID, bytes: Uint8Array, options?: AbortOptions) => Promise<unknown>

export class WriteBehind {
  private readonly write: PutBlock
  private readonly window: number
  private readonly inFlight = new Set<Promise<void>>()
  private failure?: { error: unknown }

  constructor (write: PutBlock, window: number) {
    this.write = write
    this.window = window
  }

  async put (cid: CID, bytes: Uint8Array, options?: AbortOptions): Promise<CID> {
    this.throwIfFailed()
    while (this.inFlight.size >= this.window) await Promise.race(this.inFlight)
    this.throwIfFailed()
    options?.signal?.throwIfAborted()
    const done: Promise<void> = this.write(cid, bytes, options).then(
      () => {},
      (error: unknown) => { this.failure ??= { error } }
    ).finally(() => { this.inFlight.delete(done) })
    this.inFlight.add(done)
    return cid
  }

  /** Every queued put settled; the first failure is thrown. */
  async flush (): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight)
    this.throwIfFailed()
  }

  private throwIfFailed (): void {
    if (this.failure != null) throw this.failure.error
  }
}
