/**
 * RTCPeerConnection and RTCDataChannel look-alikes for a context that has none (a
 * Chromium SharedWorker). Each call goes to the WebRTC host in a cafe page, which owns
 * the real objects; the state libp2p reads synchronously (connectionState, readyState,
 * bufferedAmount, id) is mirrored from the host's events before they are dispatched.
 * Only what @libp2p/webrtc (private-to-private) uses is implemented.
 */
import { HostGoneError, type HostEventTarget, type HostLink } from './host-link.ts'
import { NO_HOST_MESSAGE } from './protocol.ts'
import type { HostToWorker, PeerConnectionMethod, PeerConnectionState } from './protocol.ts'

let nextHandle = 1
const handle = (): string => `w${nextHandle++}`

/**
 * How long a remote peer's `init` channel stays open after libp2p closed it here, unless
 * the remote closes it first. @libp2p/webrtc's answering side closes `init` as soon as its
 * muxer starts, while the dialing side, once it sees `connected`, waits for that channel's
 * `open` if it is not open: a close that gets there first leaves the dial waiting until its
 * 5 s timeout (one dial in six to ten to the browser cafe). The dialer closes `init` itself.
 */
export const REMOTE_INIT_CLOSE_MS = 10_000

/** Calls the `on<type>` property, then the listeners, as a native target does. */
function fire (target: EventTarget, event: Event): void {
  const handler = (target as unknown as Record<string, unknown>)[`on${event.type}`]
  if (typeof handler === 'function') {
    try { handler.call(target, event) } catch (err) { queueMicrotask(() => { throw err }) }
  }
  target.dispatchEvent(event)
}

function eventWith<T extends object> (type: string, fields: T): Event & T {
  return Object.assign(new Event(type), fields)
}

export class ProxyIceCandidate {
  readonly candidate: string
  readonly sdpMid: string | null
  readonly sdpMLineIndex: number | null
  readonly usernameFragment: string | null

  constructor (init: RTCIceCandidateInit = {}) {
    this.candidate = init.candidate ?? ''
    this.sdpMid = init.sdpMid ?? null
    this.sdpMLineIndex = init.sdpMLineIndex ?? null
    this.usernameFragment = init.usernameFragment ?? null
  }

  toJSON (): RTCIceCandidateInit {
    return { candidate: this.candidate, sdpMid: this.sdpMid, sdpMLineIndex: this.sdpMLineIndex, usernameFragment: this.usernameFragment }
  }
}

export class ProxySessionDescription {
  readonly type: RTCSdpType
  readonly sdp: string

  constructor (init: RTCSessionDescriptionInit) {
    this.type = init.type
    this.sdp = init.sdp ?? ''
  }

  toJSON (): RTCSessionDescriptionInit { return { type: this.type, sdp: this.sdp } }
}

/** Bytes and state of one bridged peer connection, for the console. */
export interface BridgedConnectionInfo {
  handle: string
  host: string | null
  connectionState: RTCPeerConnectionState
  channels: number
  bytesIn: number
  bytesOut: number
  createdAt: number
  /** set once libp2p opened a WebRTC connection this peer connection carries (best guess) */
  remotePeer?: string
}

export class ProxyPeerConnection extends EventTarget implements HostEventTarget {
  readonly handle = handle()
  readonly createdAt = Date.now()
  connectionState: RTCPeerConnectionState = 'new'
  iceConnectionState: RTCIceConnectionState = 'new'
  iceGatheringState: RTCIceGatheringState = 'new'
  signalingState: RTCSignalingState = 'stable'
  localDescription: ProxySessionDescription | null = null
  remoteDescription: ProxySessionDescription | null = null
  bytesIn = 0
  bytesOut = 0
  remotePeer?: string

  onconnectionstatechange: ((event: Event) => void) | null = null
  oniceconnectionstatechange: ((event: Event) => void) | null = null
  onicegatheringstatechange: ((event: Event) => void) | null = null
  onsignalingstatechange: ((event: Event) => void) | null = null
  onicecandidate: ((event: Event & { candidate: ProxyIceCandidate | null }) => void) | null = null
  onicecandidateerror: ((event: Event) => void) | null = null
  ondatachannel: ((event: Event & { channel: ProxyDataChannel }) => void) | null = null
  onnegotiationneeded: ((event: Event) => void) | null = null

  readonly link: HostLink | undefined
  readonly channels = new Set<ProxyDataChannel>()
  private readonly noHost: string

  constructor (link: HostLink | undefined, config: RTCConfiguration = {}, noHost = NO_HOST_MESSAGE) {
    super()
    this.link = link
    this.noHost = noHost
    if (link == null) {
      // no page to carry it: every call fails at once, so libp2p gives up on WebRTC and
      // the peer stays on the relayed circuit instead of waiting for a timeout
      this.connectionState = 'failed'
      return
    }
    link.register(this.handle, this)
    link.post({ t: 'pc.create', pc: this.handle, config: cloneable(config) })
  }

  static async generateCertificate (): Promise<never> {
    throw new DOMException('certificates are not bridged (WebRTC Direct is not offered by a cafe in a browser)', 'NotSupportedError')
  }

  info (): BridgedConnectionInfo {
    return {
      handle: this.handle,
      host: this.link?.id ?? null,
      connectionState: this.connectionState,
      channels: this.channels.size,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      createdAt: this.createdAt,
      ...(this.remotePeer != null ? { remotePeer: this.remotePeer } : {})
    }
  }

  createDataChannel (label: string, init: RTCDataChannelInit = {}): ProxyDataChannel {
    if (this.connectionState === 'closed') throw new DOMException('the peer connection is closed', 'InvalidStateError')
    if (this.link == null || !this.link.alive) throw new HostGoneError(this.noHost)
    const channel = new ProxyDataChannel(this, handle(), label, init.protocol ?? '', 'connecting', null)
    this.link.post({ t: 'dc.create', pc: this.handle, dc: channel.handle, label, init: cloneable(init) })
    return channel
  }

  async createOffer (options?: RTCOfferOptions): Promise<RTCSessionDescriptionInit> {
    return this.call('createOffer', options ?? {}) as Promise<RTCSessionDescriptionInit>
  }

  async createAnswer (options?: RTCAnswerOptions): Promise<RTCSessionDescriptionInit> {
    return this.call('createAnswer', options ?? {}) as Promise<RTCSessionDescriptionInit>
  }

  async setLocalDescription (description?: RTCSessionDescriptionInit): Promise<void> {
    const set = await this.call('setLocalDescription', ...(description != null ? [plainDescription(description)] : [])) as RTCSessionDescriptionInit | null
    this.localDescription = set != null ? new ProxySessionDescription(set) : null
  }

  async setRemoteDescription (description: RTCSessionDescriptionInit): Promise<void> {
    await this.call('setRemoteDescription', plainDescription(description))
    this.remoteDescription = new ProxySessionDescription(description)
  }

  async addIceCandidate (candidate?: RTCIceCandidateInit | ProxyIceCandidate | null): Promise<void> {
    const init = candidate == null ? undefined : 'toJSON' in candidate && typeof candidate.toJSON === 'function' ? candidate.toJSON() : candidate as RTCIceCandidateInit
    await this.call('addIceCandidate', ...(init != null ? [init] : []))
  }

  async getStats (): Promise<Map<string, Record<string, unknown>>> {
    const stats = await this.call('getStats') as Array<Record<string, unknown> & { id: string }>
    return new Map(stats.map(entry => [entry.id, entry]))
  }

  close (): void {
    if (this.connectionState === 'closed') return
    this.connectionState = 'closed'
    this.iceConnectionState = 'closed'
    this.signalingState = 'closed'
    this.link?.post({ t: 'pc.close', pc: this.handle })
    this.link?.unregister(this.handle)
    const channels = [...this.channels]
    queueMicrotask(() => {
      for (const channel of channels) channel.closedByPeerConnection()
      fire(this, new Event('close'))
    })
  }

  onHostEvent (event: HostToWorker): void {
    if (this.connectionState === 'closed') return
    switch (event.t) {
      case 'pc.state':
        this.applyState(event.state)
        return
      case 'pc.icecandidate':
        fire(this, eventWith('icecandidate', { candidate: event.candidate == null ? null : new ProxyIceCandidate(event.candidate) }))
        return
      case 'pc.datachannel': {
        const channel = new ProxyDataChannel(this, event.dc, event.label, event.protocol, event.readyState, event.id)
        fire(this, eventWith('datachannel', { channel }))
      }
    }
  }

  onHostLost (): void {
    if (this.connectionState === 'closed' || this.connectionState === 'failed') return
    this.applyState({ connectionState: 'failed', iceConnectionState: 'failed', iceGatheringState: this.iceGatheringState, signalingState: this.signalingState })
  }

  private applyState (state: PeerConnectionState): void {
    const changes: Array<[keyof PeerConnectionState, string]> = [
      ['signalingState', 'signalingstatechange'],
      ['iceGatheringState', 'icegatheringstatechange'],
      ['iceConnectionState', 'iceconnectionstatechange'],
      ['connectionState', 'connectionstatechange']
    ]
    const fired = changes.filter(([key]) => this[key] !== state[key])
    Object.assign(this, state)
    for (const [, type] of fired) fire(this, new Event(type))
  }

  private async call (method: PeerConnectionMethod, ...args: unknown[]): Promise<unknown> {
    if (this.connectionState === 'closed') throw new DOMException('the peer connection is closed', 'InvalidStateError')
    if (this.link == null) throw new HostGoneError(this.noHost)
    return this.link.call({ t: 'pc.call', pc: this.handle, method, args })
  }
}

export class ProxyDataChannel extends EventTarget implements HostEventTarget {
  readonly handle: string
  readonly label: string
  readonly protocol: string
  readonly ordered = true
  readonly negotiated = false
  readonly maxRetransmits = null
  readonly maxPacketLifeTime = null
  id: number | null
  readyState: RTCDataChannelState
  binaryType: BinaryType = 'arraybuffer'
  bufferedAmountLowThreshold = 0

  onopen: ((event: Event) => void) | null = null
  onclose: ((event: Event) => void) | null = null
  onclosing: ((event: Event) => void) | null = null
  onerror: ((event: Event) => void) | null = null
  onmessage: ((event: MessageEvent) => void) | null = null
  onbufferedamountlow: ((event: Event) => void) | null = null

  private readonly pc: ProxyPeerConnection
  private sent = 0
  private drained = 0
  private closeTimer?: ReturnType<typeof setTimeout>

  constructor (pc: ProxyPeerConnection, handle: string, label: string, protocol: string, readyState: RTCDataChannelState, id: number | null) {
    super()
    this.pc = pc
    this.handle = handle
    this.label = label
    this.protocol = protocol
    this.readyState = readyState
    this.id = id
    if (readyState !== 'closed') {
      pc.channels.add(this)
      pc.link?.register(handle, this)
    }
  }

  /** bytes given to send() that have not yet left the page's real channel */
  get bufferedAmount (): number { return this.sent - this.drained }

  send (data: string | ArrayBuffer | ArrayBufferView | Blob): void {
    if (this.readyState !== 'open') throw new DOMException(`the data channel is ${this.readyState}`, 'InvalidStateError')
    const buffer = toArrayBuffer(data)
    this.sent += buffer.byteLength
    this.pc.bytesOut += buffer.byteLength
    this.pc.link?.post({ t: 'dc.send', dc: this.handle, data: buffer }, [buffer])
  }

  close (): void {
    if (this.readyState === 'closing' || this.readyState === 'closed') return
    this.readyState = 'closing'
    const link = this.pc.link
    if (link?.alive !== true) { queueMicrotask(() => { this.closed() }); return }
    const post = (): void => { link.post({ t: 'dc.close', dc: this.handle }) }
    // handles of channels the remote opened start with 'h' (protocol.ts)
    if (this.label === 'init' && this.handle.startsWith('h')) this.closeTimer = setTimeout(post, REMOTE_INIT_CLOSE_MS)
    else post()
  }

  onHostEvent (event: HostToWorker): void {
    if (this.readyState === 'closed') return
    switch (event.t) {
      case 'dc.state':
        this.id = event.id ?? this.id
        if (event.readyState === this.readyState) return
        if (event.readyState === 'closed') { this.closed(); return }
        this.readyState = event.readyState
        fire(this, new Event(event.readyState === 'open' ? 'open' : 'closing'))
        return
      case 'dc.message':
        this.pc.bytesIn += event.data.byteLength
        fire(this, new MessageEvent('message', { data: event.data }))
        return
      case 'dc.drained': {
        const before = this.bufferedAmount
        this.drained = Math.max(this.drained, event.bytes)
        if (before > this.bufferedAmountLowThreshold && this.bufferedAmount <= this.bufferedAmountLowThreshold) fire(this, new Event('bufferedamountlow'))
        return
      }
      case 'dc.error':
        fire(this, eventWith('error', { error: new DOMException(event.message, 'OperationError') }))
    }
  }

  onHostLost (reason: string): void {
    if (this.readyState === 'closed') return
    fire(this, eventWith('error', { error: new HostGoneError(reason) }))
    this.closed()
  }

  /** the peer connection closed under this channel */
  closedByPeerConnection (): void { this.closed() }

  private closed (): void {
    if (this.readyState === 'closed') return
    this.readyState = 'closed'
    clearTimeout(this.closeTimer)
    this.drained = this.sent
    this.pc.channels.delete(this)
    this.pc.link?.unregister(this.handle)
    fire(this, new Event('close'))
  }
}

function toArrayBuffer (data: string | ArrayBuffer | ArrayBufferView | Blob): ArrayBuffer {
  if (typeof data === 'string') return new TextEncoder().encode(data).buffer as ArrayBuffer
  if (data instanceof ArrayBuffer) return data.slice(0)
  if (ArrayBuffer.isView(data)) {
    // a copy: the caller may reuse its buffer, and ours is transferred to the page
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer as ArrayBuffer
  }
  throw new TypeError('a bridged data channel sends strings and bytes, not Blobs')
}

function plainDescription (description: RTCSessionDescriptionInit): RTCSessionDescriptionInit {
  return { type: description.type, sdp: description.sdp }
}

/** RTCConfiguration and RTCDataChannelInit minus anything a port cannot carry (certificates) */
function cloneable<T extends object> (value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}
