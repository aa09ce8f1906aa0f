/**
 * The bridge frame (bridge-protocol.ts): an extension page, so its fetches of `/ipfs/`
 * reach the extension's service worker. Each request carries a port for the answer: the
 * Blob of the content (Chromium passes it by reference), or the gateway's error.
 */
import { BRIDGE_TIMEOUT_MS, isBridgeRequest, type BridgeAnswer } from './bridge-protocol.ts'

/** The message of a gateway error (`{ error: { message } }`), else its text. */
async function errorText (response: Response): Promise<string> {
  const text = await response.text()
  try {
    return (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text
  } catch {
    return text
  }
}

async function answer (path: string): Promise<BridgeAnswer> {
  try {
    const response = await fetch(path, { signal: AbortSignal.timeout(BRIDGE_TIMEOUT_MS) })
    if (!response.ok) return { ok: false, status: response.status, error: await errorText(response) }
    return { ok: true, status: response.status, blob: await response.blob() }
  } catch (err) {
    return { ok: false, status: 0, error: `the extension's gateway did not answer: ${(err as Error).message}` }
  }
}

addEventListener('message', (event: MessageEvent) => {
  const port = event.ports[0]
  if (!isBridgeRequest(event.data) || port == null) return
  void answer(event.data.path).then(result => {
    port.postMessage(result)
    port.close()
  })
})
