/**
 * Progress events for long client operations, shaped like Helia's progress events
 * (`onProgress(evt)` with `{ type, detail }`), without the dependency: an app passes
 * `onProgress` and draws a bar from `detail.bytes` of `detail.total`.
 */

export interface TransferDetail {
  /** bytes done so far */
  bytes: number
  /** bytes in all, when known */
  total?: number
}

export interface CafeProgressEvent<T extends string = string> {
  type: T
  detail: TransferDetail
}

/** files read and packed into a CAR (`packCar`) */
export type PackProgressEvent = CafeProgressEvent<'cafe:car:pack'>
/** CAR bytes handed to the transport (HTTP request body sent, or libp2p frames written) */
export type UploadProgressEvent = CafeProgressEvent<'cafe:car:upload'>
/** snapshot bytes fetched and opened (`CafeBackup.recover`) */
export type RecoverProgressEvent = CafeProgressEvent<'cafe:snapshots:recover'>

export interface ProgressOptions<E extends CafeProgressEvent = CafeProgressEvent> {
  onProgress?(evt: E): void
}

export interface ByteCounter {
  /** passes chunks through, adding their bytes to the running count */
  count(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array>
  /** reports the final count if the last chunks were not reported yet */
  flush(): void
}

/**
 * One running byte count over any number of streams (the files of one add or backup),
 * reported at most every `everyBytes` so a fast stream does not flood a UI.
 */
export function byteCounter<T extends string> (
  type: T, total: number | undefined, onProgress: ((evt: CafeProgressEvent<T>) => void) | undefined, everyBytes = 256 * 1024
): ByteCounter {
  let bytes = 0
  let reported = -1
  const report = (): void => { reported = bytes; onProgress?.({ type, detail: { bytes, total } }) }
  return {
    async * count (chunks) {
      for await (const chunk of chunks) {
        yield chunk
        bytes += chunk.byteLength
        if (bytes - reported >= everyBytes) report()
      }
    },
    flush () { if (reported !== bytes) report() }
  }
}
