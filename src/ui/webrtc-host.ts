/**
 * The WebRTC host: a cafe page owns the real RTCPeerConnections and RTCDataChannels for
 * the SharedWorker's libp2p (which has none), over a port of its own. It runs what the
 * worker asks (src/worker/webrtc/protocol.ts), reports state, candidates and incoming
 * channels, and carries channel bytes both ways as transferred ArrayBuffers. When the
 * page goes away it says so, and the worker moves new connections to another open page.
 */
import * as Comlink from 'comlink'
import type { HostToWorker, WorkerToHost } from '../worker/webrtc/protocol.ts'
import type { CafeWorkerApi } from '../worker/api.ts'

export interface WebRtcHost {
  /** names this page in the console's "carried by" line */
  readonly id: string
  stop(): void
}

interface Channel {
  pc: string
  dc: RTCDataChannel
  /** bytes handed to dc.send() so far */
  handed: number
  reportQueued: boolean
}

/** Serves the worker's calls on `port`; returns the function that says goodbye and closes everything. */
export function serveWebRtcHost (port: MessagePort): () => void {
  const pcs = new Map<string, RTCPeerConnection>()
  const channels = new Map<string, Channel>()
  let nextChannel = 1
  const post = (message: HostToWorker, transfer: Transferable[] = []): void => { port.postMessage(message, transfer) }

  const reportDrained = (handle: string, channel: Channel): void => {
    channel.reportQueued = false
    post({ t: 'dc.drained', dc: handle, bytes: channel.handed - channel.dc.bufferedAmount })
  }

  function adoptChannel (handle: string, pc: string, dc: RTCDataChannel): void {
    const channel: Channel = { pc, dc, handed: 0, reportQueued: false }
    channels.set(handle, channel)
    dc.binaryType = 'arraybuffer'
    dc.bufferedAmountLowThreshold = 0
    dc.onopen = () => { post({ t: 'dc.state', dc: handle, readyState: 'open', id: dc.id }) }
    dc.onclosing = () => { post({ t: 'dc.state', dc: handle, readyState: 'closing', id: dc.id }) }
    dc.onclose = () => {
      channels.delete(handle)
      post({ t: 'dc.state', dc: handle, readyState: 'closed', id: dc.id })
    }
    dc.onerror = (event) => { post({ t: 'dc.error', dc: handle, message: (event as RTCErrorEvent).error?.message ?? 'data channel error' }) }
    dc.onbufferedamountlow = () => { reportDrained(handle, channel) }
    dc.onmessage = ({ data }: MessageEvent<ArrayBuffer | string>) => {
      const buffer = typeof data === 'string' ? new TextEncoder().encode(data).buffer as ArrayBuffer : data
      post({ t: 'dc.message', dc: handle, data: buffer }, [buffer])
    }
  }

  function createPeerConnection (handle: string, config: RTCConfiguration): void {
    const pc = new RTCPeerConnection(config)
    pcs.set(handle, pc)
    const state = (): void => {
      post({ t: 'pc.state', pc: handle, state: { connectionState: pc.connectionState, iceConnectionState: pc.iceConnectionState, iceGatheringState: pc.iceGatheringState, signalingState: pc.signalingState } })
    }
    pc.onconnectionstatechange = state
    pc.oniceconnectionstatechange = state
    pc.onicegatheringstatechange = state
    pc.onsignalingstatechange = state
    pc.onicecandidate = ({ candidate }) => { post({ t: 'pc.icecandidate', pc: handle, candidate: candidate?.toJSON() ?? null }) }
    pc.ondatachannel = ({ channel: dc }) => {
      const dcHandle = `h${nextChannel++}`
      adoptChannel(dcHandle, handle, dc)
      post({ t: 'pc.datachannel', pc: handle, dc: dcHandle, label: dc.label, protocol: dc.protocol, id: dc.id, readyState: dc.readyState })
    }
  }

  function closePeerConnection (handle: string): void {
    pcs.get(handle)?.close()
    pcs.delete(handle)
    for (const [dcHandle, channel] of channels) if (channel.pc === handle) channels.delete(dcHandle)
  }

  async function call (pc: RTCPeerConnection, method: string, args: unknown[]): Promise<unknown> {
    switch (method) {
      case 'createOffer': return toPlain(await pc.createOffer(args[0] as RTCOfferOptions))
      case 'createAnswer': return toPlain(await pc.createAnswer(args[0] as RTCAnswerOptions))
      case 'setLocalDescription':
        await pc.setLocalDescription(args[0] as RTCSessionDescriptionInit | undefined)
        return pc.localDescription != null ? toPlain(pc.localDescription) : null
      case 'setRemoteDescription': await pc.setRemoteDescription(args[0] as RTCSessionDescriptionInit); return undefined
      case 'addIceCandidate': await pc.addIceCandidate(args[0] as RTCIceCandidateInit | undefined); return undefined
      case 'getStats': return [...(await pc.getStats()).values()]
      default: throw new TypeError(`unknown method ${method}`)
    }
  }

  port.onmessage = ({ data: message }: MessageEvent<WorkerToHost>) => {
    switch (message.t) {
      case 'ping':
        post({ t: 'reply', call: message.call, ok: true })
        return
      case 'pc.create':
        createPeerConnection(message.pc, message.config)
        return
      case 'pc.call': {
        const pc = pcs.get(message.pc)
        const answer = pc == null ? Promise.reject(new DOMException('no such peer connection', 'InvalidStateError')) : call(pc, message.method, message.args)
        answer.then(
          value => { post({ t: 'reply', call: message.call, ok: true, value }) },
          (err: Error) => { post({ t: 'reply', call: message.call, ok: false, error: { name: err.name, message: err.message } }) }
        )
        return
      }
      case 'pc.close':
        closePeerConnection(message.pc)
        return
      case 'dc.create': {
        const pc = pcs.get(message.pc)
        if (pc == null) { post({ t: 'dc.state', dc: message.dc, readyState: 'closed', id: null }); return }
        const dc = pc.createDataChannel(message.label, message.init)
        adoptChannel(message.dc, message.pc, dc)
        if (dc.id != null) post({ t: 'dc.state', dc: message.dc, readyState: dc.readyState, id: dc.id })
        return
      }
      case 'dc.send': {
        const channel = channels.get(message.dc)
        if (channel == null || channel.dc.readyState !== 'open') return
        try {
          channel.dc.send(message.data)
        } catch (err) {
          post({ t: 'dc.error', dc: message.dc, message: (err as Error).message })
          return
        }
        channel.handed += message.data.byteLength
        if (!channel.reportQueued) {
          channel.reportQueued = true
          queueMicrotask(() => { reportDrained(message.dc, channel) })
        }
        return
      }
      case 'dc.close':
        channels.get(message.dc)?.dc.close()
    }
  }
  port.start()

  return () => {
    post({ t: 'bye' })
    for (const handle of pcs.keys()) closePeerConnection(handle)
    port.close()
  }
}

function toPlain (description: RTCSessionDescriptionInit): RTCSessionDescriptionInit {
  return { type: description.type, sdp: description.sdp }
}

/** Offers this page to the cafe's SharedWorker as its WebRTC host, until the page goes away. */
export function hostWebRtc (cafe: Comlink.Remote<CafeWorkerApi>): WebRtcHost | undefined {
  if (typeof globalThis.RTCPeerConnection !== 'function') return undefined
  const id = `page-${crypto.randomUUID().slice(0, 8)}`
  const { port1, port2 } = new MessageChannel()
  const stop = serveWebRtcHost(port2)
  void cafe.hostWebRtc(Comlink.transfer(port1, [port1]), id)
  addEventListener('pagehide', stop, { once: true })
  return { id, stop }
}
