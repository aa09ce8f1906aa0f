/**
 * The typed surface of the SharedWorker, as pages (through comlink) and the Service
 * Worker (through a port a page hands it) see it.
 */
import type { OwnerApi } from '../core/api/owner.ts'
import type { LibraryEntry } from '../core/library/library.ts'
import type { NetworkStatus } from './network.ts'
import type { CafeProgressEvent } from '../client/progress.ts'

/** bytes of the added files read and stored so far */
export type AddProgressEvent = CafeProgressEvent<'cafe:add'>

export interface CafeStatus {
  peerId: string
  addresses: string[]
  connections: number
  blocks: number
  /** bytes used and available on this origin, from navigator.storage.estimate() */
  storage: { usage: number, quota: number }
  startedAt: number
  /** calls from the Service Worker being answered now (API requests, block fetches) */
  serviceWorkerCalls?: number
}

export interface FileUpload {
  /** `name` or `folder/sub/name` */
  path: string
  file: Blob
}

/**
 * What the cafe page calls: node status, the library, and the owner's operations
 * (tokens, clients, quotas), which exist only on this private channel.
 */
export interface CafeWorkerApi extends OwnerApi {
  /** the cafe's peer id, answered from the stored key before the node has started */
  peerId(): Promise<string>
  status(): Promise<CafeStatus>
  /** `onProgress`: a callback wrapped in `Comlink.proxy` */
  addFiles(files: FileUpload[], onProgress?: (evt: AddProgressEvent) => void): Promise<LibraryEntry[]>
  library(): Promise<LibraryEntry[]>
  /** hand the worker one end of a channel whose other end goes to the Service Worker */
  connectServiceWorker(port: MessagePort): Promise<void>
  /** this page offers to host the worker's WebRTC peer connections on `port` (src/ui/webrtc-host.ts) */
  hostWebRtc(port: MessagePort, hostId: string): Promise<void>
  /** relays, reservations, the cafe address, connections and the WebRTC host */
  network(): Promise<NetworkStatus>
  /** keeps a reservation on a relay (`/…/p2p/<relay id>`); `save: false` for this session only */
  addRelay(relay: string, options?: { save?: boolean }): Promise<NetworkStatus>
  removeRelay(relay: string): Promise<NetworkStatus>
}

/** An HTTP API request as it crosses from the Service Worker to the SharedWorker. */
export interface ForwardedRequest {
  method: string
  url: string
  headers: Array<[string, string]>
  body?: ReadableStream<Uint8Array>
}

export interface ForwardedResponse {
  status: number
  headers: Array<[string, string]>
  body: ArrayBuffer
}

/**
 * What the Service Worker calls on its port. `cancel` is one end of a channel the
 * Service Worker posts on when the page's fetch is aborted (src/worker/cancel-port.ts).
 */
export interface ServiceWorkerBridge {
  /** answers a request to /api/ with the cafe's HTTP API; `remote` names the caller for rate limits */
  handleHttp(request: ForwardedRequest, remote: string, cancel?: MessagePort): Promise<ForwardedResponse>
  /** a block that is not in IndexedDB, from the network; rejects after `timeoutMs` */
  fetchBlock(cid: string, timeoutMs: number, cancel?: MessagePort): Promise<Uint8Array>
  ping(): Promise<'pong'>
}
