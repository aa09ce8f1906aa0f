/**
 * Gives a context without WebRTC (a Chromium SharedWorker) the bridged RTCPeerConnection,
 * RTCSessionDescription and RTCIceCandidate. @libp2p/webrtc reads these globals once,
 * when its module is evaluated, so import this module before anything that imports it.
 * Where the context has its own RTCPeerConnection, it installs nothing and
 * `webRtcBridge` is undefined.
 */
import { WebRtcBridge } from './bridge.ts'

function install (): WebRtcBridge | undefined {
  const scope = globalThis as Record<string, unknown>
  if (typeof scope.RTCPeerConnection === 'function') return undefined
  const bridge = new WebRtcBridge()
  for (const [name, value] of Object.entries(bridge.classes())) {
    Object.defineProperty(scope, name, { configurable: true, writable: true, value })
  }
  return bridge
}

export const webRtcBridge = install()
