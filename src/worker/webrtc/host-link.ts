/**
 * The worker's end of one page's WebRTC host port: calls with replies, events routed to
 * the proxy peer connections and channels by handle, a liveness ping, and one clear
 * ending (the page said goodbye, stopped answering, or the bridge dropped it) after
 * which every pending call fails and every object it carried is told it is gone.
 */
import { UnavailableError } from '../../core/errors.ts'
import { NO_HOST_MESSAGE } from './protocol.ts'
import type { HostToWorker, WorkerToHost } from './protocol.ts'

export interface HostEventTarget {
  onHostEvent(event: HostToWorker): void
  /** the host that carries this object is gone */
  onHostLost(reason: string): void
}

/** No page carries WebRTC (any more): the peer stays on the relayed circuit. */
export class HostGoneError extends UnavailableError {
  constructor (message: string) { super(message, 'WEBRTC_NO_HOST') }
}

export class HostLink {
  readonly id: string
  readonly since = Date.now()
  private readonly port: MessagePort
  private readonly pending = new Map<number, { resolve(value: unknown): void, reject(err: Error): void }>()
  private readonly targets = new Map<string, HostEventTarget>()
  private readonly onEnd: (link: HostLink, reason: string) => void
  private nextCall = 1
  private ended?: string
  private pinger?: ReturnType<typeof setInterval>

  constructor (id: string, port: MessagePort, onEnd: (link: HostLink, reason: string) => void, pingMs = 2_000) {
    this.id = id
    this.port = port
    this.onEnd = onEnd
    port.onmessage = (event: MessageEvent<HostToWorker>) => { this.receive(event.data) }
    port.start()
    // a port to a closed page swallows messages silently: only an unanswered ping tells
    this.pinger = setInterval(() => {
      this.call({ t: 'ping' }, pingMs).catch(() => { this.end('the page hosting WebRTC stopped answering') })
    }, pingMs)
  }

  get alive (): boolean { return this.ended == null }

  /** handles of the objects this host carries now */
  get carrying (): number { return this.targets.size }

  register (handle: string, target: HostEventTarget): void {
    if (this.ended != null) { target.onHostLost(this.ended); return }
    this.targets.set(handle, target)
  }

  unregister (handle: string): void { this.targets.delete(handle) }

  post (message: WorkerToHost, transfer: Transferable[] = []): void {
    if (this.ended != null) return
    this.port.postMessage(message, transfer)
  }

  /** Sends a message that carries a `call` number and waits for its reply. */
  async call (message: DistributiveOmit<Extract<WorkerToHost, { call: number }>, 'call'>, timeoutMs = 15_000): Promise<unknown> {
    if (this.ended != null) throw new HostGoneError(this.ended)
    const call = this.nextCall++
    const { promise, resolve, reject } = Promise.withResolvers<unknown>()
    const timer = setTimeout(() => { this.pending.delete(call); reject(new HostGoneError(`the page hosting WebRTC did not answer ${message.t} within ${timeoutMs} ms`)) }, timeoutMs)
    this.pending.set(call, {
      resolve: value => { clearTimeout(timer); resolve(value) },
      reject: err => { clearTimeout(timer); reject(err) }
    })
    this.port.postMessage({ ...message, call } as WorkerToHost)
    return promise
  }

  end (reason: string = NO_HOST_MESSAGE): void {
    if (this.ended != null) return
    this.ended = reason
    clearInterval(this.pinger)
    this.port.onmessage = null
    this.port.close()
    for (const { reject } of this.pending.values()) reject(new HostGoneError(reason))
    this.pending.clear()
    const targets = [...this.targets.values()]
    this.targets.clear()
    for (const target of targets) target.onHostLost(reason)
    this.onEnd(this, reason)
  }

  private receive (message: HostToWorker): void {
    switch (message.t) {
      case 'reply': {
        const pending = this.pending.get(message.call)
        this.pending.delete(message.call)
        if (message.ok) pending?.resolve(message.value)
        else pending?.reject(Object.assign(new Error(message.error.message), { name: message.error.name }))
        return
      }
      case 'bye':
        this.end('the page hosting WebRTC closed')
        return
      case 'pc.state':
      case 'pc.icecandidate':
      case 'pc.datachannel':
        this.targets.get(message.pc)?.onHostEvent(message)
        return
      default:
        this.targets.get(message.dc)?.onHostEvent(message)
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
