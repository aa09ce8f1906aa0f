/**
 * The messages between the SharedWorker's proxy RTCPeerConnections and the WebRTC host
 * in a cafe page, over one MessagePort. One port carries calls, events and data channel
 * bytes in order, so a channel's `open` always reaches the worker before its first
 * message, and its `close` after its last. Handles are strings: the worker names what it
 * creates `w<n>`, the host names channels the remote peer opened `h<n>`.
 */

/** What the worker asks of the host. */
export type WorkerToHost =
  | { t: 'pc.create', pc: string, config: RTCConfiguration }
  | { t: 'pc.call', pc: string, call: number, method: PeerConnectionMethod, args: unknown[] }
  | { t: 'pc.close', pc: string }
  | { t: 'dc.create', pc: string, dc: string, label: string, init: RTCDataChannelInit }
  | { t: 'dc.send', dc: string, data: ArrayBuffer }
  | { t: 'dc.close', dc: string }
  | { t: 'ping', call: number }

export type PeerConnectionMethod = 'createOffer' | 'createAnswer' | 'setLocalDescription' | 'setRemoteDescription' | 'addIceCandidate' | 'getStats'

export interface PeerConnectionState {
  connectionState: RTCPeerConnectionState
  iceConnectionState: RTCIceConnectionState
  iceGatheringState: RTCIceGatheringState
  signalingState: RTCSignalingState
}

/** What the host tells the worker. */
export type HostToWorker =
  | { t: 'reply', call: number, ok: true, value?: unknown }
  | { t: 'reply', call: number, ok: false, error: { name: string, message: string } }
  | { t: 'pc.state', pc: string, state: PeerConnectionState }
  | { t: 'pc.icecandidate', pc: string, candidate: RTCIceCandidateInit | null }
  | { t: 'pc.datachannel', pc: string, dc: string, label: string, protocol: string, id: number | null, readyState: RTCDataChannelState }
  | { t: 'dc.state', dc: string, readyState: RTCDataChannelState, id: number | null }
  | { t: 'dc.message', dc: string, data: ArrayBuffer }
  /** cumulative bytes the host has handed to the real channel that have left its buffer */
  | { t: 'dc.drained', dc: string, bytes: number }
  | { t: 'dc.error', dc: string, message: string }
  /** the page is going away: everything it carries is gone */
  | { t: 'bye' }

export const NO_HOST_MESSAGE = 'no page is open to carry WebRTC; reachable over the relay only'
