/**
 * The typed surface of the SharedWorker, as pages (through comlink) and the Service
 * Worker (through a port a page hands it) see it.
 */
import type { LibraryEntry } from '../core/library/library.ts'

export interface CafeStatus {
  peerId: string
  addresses: string[]
  connections: number
  blocks: number
  /** bytes used and available on this origin, from navigator.storage.estimate() */
  storage: { usage: number, quota: number }
  startedAt: number
}

export interface FileUpload {
  /** `name` or `folder/sub/name` */
  path: string
  file: Blob
}

/** What the cafe page calls. The console's owner operations are added here. */
export interface CafeWorkerApi {
  status(): Promise<CafeStatus>
  addFiles(files: FileUpload[]): Promise<LibraryEntry[]>
  library(): Promise<LibraryEntry[]>
  /** hand the worker one end of a channel whose other end goes to the Service Worker */
  connectServiceWorker(port: MessagePort): Promise<void>
}

/** What the Service Worker calls on its port. */
export interface ServiceWorkerBridge {
  /** a block that is not in IndexedDB, from the network; rejects after `timeoutMs` */
  fetchBlock(cid: string, timeoutMs: number): Promise<Uint8Array>
  ping(): Promise<'pong'>
}
