/**
 * The WebRTC bridge, worker side: every open cafe page offers to host WebRTC; the first
 * live one carries the peer connections created from now on (one that closes keeps
 * nothing: its connections fail, and the next page hosts new ones). `classes()` gives
 * the RTCPeerConnection, RTCSessionDescription and RTCIceCandidate that
 * `install.ts` puts on the worker's global scope for @libp2p/webrtc.
 */
import { HostLink } from './host-link.ts'
import { ProxyIceCandidate, ProxyPeerConnection, ProxySessionDescription } from './peer-connection.ts'
import { NO_HOST_MESSAGE } from './protocol.ts'
import type { BridgedConnectionInfo } from './peer-connection.ts'

export interface WebRtcBridgeStatus {
  /** the page carrying new WebRTC connections, or null: then the cafe is reachable over the relay only */
  host: { id: string, since: number } | null
  /** pages offering to host, the current one included */
  hosts: number
  /** why there is no host, for the console */
  message?: string
  peerConnections: BridgedConnectionInfo[]
}

export interface WebRtcClasses {
  RTCPeerConnection: typeof ProxyPeerConnection & (new (config?: RTCConfiguration) => ProxyPeerConnection)
  RTCSessionDescription: typeof ProxySessionDescription
  RTCIceCandidate: typeof ProxyIceCandidate
}

export interface WebRtcBridgeInit {
  /** how often a host is pinged; one that misses a ping is dropped. Default 2 s */
  pingMs?: number
}

export class WebRtcBridge {
  private readonly hosts: HostLink[] = []
  private readonly connections = new Set<ProxyPeerConnection>()
  private readonly pingMs: number
  private readonly listeners = new Set<() => void>()

  constructor (init: WebRtcBridgeInit = {}) {
    this.pingMs = init.pingMs ?? 2_000
  }

  /** A page offers to host WebRTC on this port; `id` names it in the console. */
  attachHost (port: MessagePort, id: string): void {
    this.hosts.push(new HostLink(id, port, link => {
      this.hosts.splice(this.hosts.indexOf(link), 1)
      this.changed()
    }, this.pingMs))
    this.changed()
  }

  /** the page carrying new connections */
  currentHost (): HostLink | undefined {
    return this.hosts.find(host => host.alive)
  }

  createPeerConnection (config?: RTCConfiguration): ProxyPeerConnection {
    const pc = new ProxyPeerConnection(this.currentHost(), config)
    this.adopt(pc)
    return pc
  }

  /**
   * Names the peer of the newest connected peer connection nobody claimed yet; libp2p
   * does not tell which RTCPeerConnection a connection wraps, so this is a best guess
   * made when its WebRTC connection opens.
   */
  claim (remotePeer: string): void {
    const candidates = [...this.connections].filter(pc => pc.remotePeer == null && pc.connectionState === 'connected')
    const newest = candidates.at(-1)
    if (newest != null) newest.remotePeer = remotePeer
  }

  status (): WebRtcBridgeStatus {
    const host = this.currentHost()
    return {
      host: host != null ? { id: host.id, since: host.since } : null,
      hosts: this.hosts.filter(link => link.alive).length,
      ...(host == null ? { message: NO_HOST_MESSAGE } : {}),
      peerConnections: [...this.connections].map(pc => pc.info())
    }
  }

  onChange (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  classes (): WebRtcClasses {
    const bridge = this
    class RTCPeerConnection extends ProxyPeerConnection {
      constructor (config?: RTCConfiguration) {
        super(bridge.currentHost(), config)
        bridge.adopt(this)
      }
    }
    return { RTCPeerConnection: RTCPeerConnection as WebRtcClasses['RTCPeerConnection'], RTCSessionDescription: ProxySessionDescription, RTCIceCandidate: ProxyIceCandidate }
  }

  private adopt (pc: ProxyPeerConnection): void {
    if (pc.connectionState === 'failed') return
    this.connections.add(pc)
    const forget = (): void => {
      if (pc.connectionState === 'closed' || pc.connectionState === 'failed') this.connections.delete(pc)
    }
    pc.addEventListener('connectionstatechange', forget)
    pc.addEventListener('close', forget)
  }

  private changed (): void {
    for (const listener of this.listeners) listener()
  }
}
