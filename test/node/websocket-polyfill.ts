/**
 * Node 20 has no global WebSocket (Node 22 does), and @libp2p/websockets dials with it.
 * `ws` is what @libp2p/websockets listens with, so it is always installed.
 * TODO(lead): move into src/node/polyfills.ts so every Node entry gets it.
 */
// @ts-expect-error ws ships no types and @types/ws is not installed
import { WebSocket } from 'ws'

if (typeof (globalThis as any).WebSocket !== 'function') {
  Object.defineProperty(globalThis, 'WebSocket', { configurable: true, writable: true, value: WebSocket })
}

export {}
