/**
 * The content script's side of the bridge (bridge-protocol.ts): one hidden frame per
 * page, inside a closed shadow root so the page's own queries do not find it.
 */
import { withTimeout } from '../src/core/util/with-timeout.ts'
import { BRIDGE_FETCH, BRIDGE_PATH, BRIDGE_TIMEOUT_MS, type BridgeAnswer, type BridgeRequest } from './bridge-protocol.ts'

/** How long the bridge frame may take to load. */
const OPEN_TIMEOUT_MS = 10_000

export interface BridgeClient {
  /** the answer of the extension's gateway for `/ipfs/…`; never rejects */
  fetch(path: string): Promise<BridgeAnswer>
}

export function createBridgeClient (extensionOrigin: string): BridgeClient {
  let frame: Promise<Window> | undefined

  const open = async (): Promise<Window> => withTimeout(new Promise<Window>((resolve, reject) => {
    const host = document.createElement('cafe-gateway-bridge')
    host.style.display = 'none'
    const iframe = document.createElement('iframe')
    iframe.src = `${extensionOrigin}/${BRIDGE_PATH}`
    iframe.addEventListener('load', () => {
      if (iframe.contentWindow == null) reject(new Error('the bridge frame has no window'))
      else resolve(iframe.contentWindow)
    }, { once: true })
    host.attachShadow({ mode: 'closed' }).append(iframe)
    document.documentElement.append(host)
  }), OPEN_TIMEOUT_MS, () => new Error('the extension\'s bridge frame did not load'))

  return {
    async fetch (path) {
      try {
        // a frame that failed to load is tried again next time
        frame ??= open().catch((err: unknown) => { frame = undefined; throw err })
        const target = await frame
        const { port1, port2 } = new MessageChannel()
        const answered = new Promise<BridgeAnswer>(resolve => { port1.onmessage = ({ data }) => { resolve(data as BridgeAnswer) } })
        target.postMessage({ type: BRIDGE_FETCH, path } satisfies BridgeRequest, extensionOrigin, [port2])
        try {
          // the frame bounds its fetch itself; this catches a frame that went away
          return await withTimeout(answered, BRIDGE_TIMEOUT_MS + 5_000, () => new Error('the extension\'s bridge frame did not answer'))
        } finally {
          port1.close()
        }
      } catch (err) {
        return { ok: false, status: 0, error: (err as Error).message }
      }
    }
  }
}
