import { expect, test } from '@playwright/test'

/**
 * What this Chromium offers in each context the cafe uses (docs/ARCHITECTURE.md relies
 * on it): if a browser update changes any of it, this test says so.
 */
test('a SharedWorker has IndexedDB and WebTransport but no RTCPeerConnection; a page has all three', async ({ page }) => {
  await page.goto('/')
  const found = await page.evaluate(async () => {
    const probe = `({
      indexedDB: typeof indexedDB !== 'undefined',
      webTransport: typeof WebTransport === 'function',
      rtcPeerConnection: typeof RTCPeerConnection === 'function',
      webSocket: typeof WebSocket === 'function'
    })`
    const source = `onconnect = (e) => e.ports[0].postMessage(${probe})`
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }))
    const worker = new SharedWorker(url, { name: 'probe' })
    const shared = await new Promise(resolve => { worker.port.onmessage = (e) => resolve(e.data); worker.port.start() })
    // eslint-disable-next-line no-eval
    return { shared, page: (0, eval)(probe) }
  })
  expect(found.shared).toEqual({ indexedDB: true, webTransport: true, rtcPeerConnection: false, webSocket: true })
  expect(found.page).toEqual({ indexedDB: true, webTransport: true, rtcPeerConnection: true, webSocket: true })
})
