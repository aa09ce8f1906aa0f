/**
 * The content script's line to the extension's gateway. Chromium does not hand another
 * origin's `<img>`/`<video>` loads of chrome-extension:// URLs to the extension's service
 * worker (docs/ARCHITECTURE.md, "Same-device gateway through the extension"), but it
 * does serve a frame of the extension: the content script keeps one hidden bridge frame
 * (bridge.html) and asks it for `/ipfs/` paths; the frame fetches them from the service
 * worker and posts back the answer's Blob over a MessageChannel.
 */
export const BRIDGE_PATH = 'bridge.html'
export const BRIDGE_FETCH = 'cafe-bridge:fetch'

/**
 * How long one piece of content may take, whole. A block the cafe cannot find fails
 * sooner (NETWORK_TIMEOUT_MS, 10 s); this bounds a large file that trickles in.
 */
export const BRIDGE_TIMEOUT_MS = 60_000

export interface BridgeRequest {
  type: typeof BRIDGE_FETCH
  /** `/ipfs/<cid>[/path][?query]` */
  path: string
}

export type BridgeAnswer =
  | { ok: true, status: number, blob: Blob }
  | { ok: false, status: number, error: string }

export function isBridgeRequest (data: unknown): data is BridgeRequest {
  const request = data as BridgeRequest | null
  return request?.type === BRIDGE_FETCH && typeof request.path === 'string' && request.path.startsWith('/ipfs/')
}
