/**
 * How a CafeClient reaches one cafe. A transport sends one operation and
 * returns its output, or throws a CafeError carrying the cafe's code and status.
 */
import type { ProgressOptions, UploadProgressEvent } from './progress.ts'
import type { AbortOptions } from '../core/types.ts'

export type CarBody = Uint8Array | Blob | AsyncIterable<Uint8Array>

export interface CarUploadInput {
  name?: string
  meta?: Record<string, string>
}

export interface CarUploadOptions extends AbortOptions, ProgressOptions<UploadProgressEvent> {}

export interface CafeTransport {
  /** the cafe's peer id, when the transport knows it (a libp2p dial does) */
  readonly cafe?: string
  request (op: string, input: unknown, auth: string | undefined, options?: AbortOptions): Promise<unknown>
  /** uploads a CAR; the cafe verifies and pins its roots and answers `{ count, results: PinStatus[] }` */
  uploadCar (car: CarBody, input: CarUploadInput, auth: string, options?: CarUploadOptions): Promise<unknown>
  /** receives pushed inbox messages until the stream ends (libp2p only); resolves when it does */
  subscribeInbox? (auth: string, onMessage: (message: any) => Promise<void> | void, options?: AbortOptions): Promise<void>
}
