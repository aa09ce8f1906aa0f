/**
 * The Service Worker's line to the SharedWorker. A Service Worker cannot create a
 * SharedWorker; it only gets a port that a page hands it. The SharedWorker ends when
 * its last page closes, and a port to a dead worker swallows messages silently, so
 * every use is bounded by a timeout, and a dead link is dropped and asked for again.
 */
import * as Comlink from 'comlink'
import { withTimeout } from '../core/util/with-timeout.ts'
import type { ServiceWorkerBridge } from '../worker/api.ts'

export const PORT_MESSAGE = 'cafe:port'
export const PORT_REQUEST_MESSAGE = 'cafe:port-request'

export interface WorkerLinkComponents {
  /** posts a message to every open page of the origin */
  broadcast(message: unknown): Promise<void>
}

/** How long a released port stays open so its release message reaches the SharedWorker. */
const RELEASE_GRACE_MS = 1_000

/** Asks the SharedWorker to stop serving a port (Comlink's release), then closes our end. */
function release ({ bridge, port }: Link): void {
  try {
    bridge[Comlink.releaseProxy]()
  } catch {}
  setTimeout(() => { port.close() }, RELEASE_GRACE_MS)
}

interface Link {
  bridge: Comlink.Remote<ServiceWorkerBridge>
  port: MessagePort
}

export class WorkerLink {
  private link?: Link
  private waiters: Array<(bridge: Comlink.Remote<ServiceWorkerBridge>) => void> = []
  private readonly components: WorkerLinkComponents

  constructor (components: WorkerLinkComponents) {
    this.components = components
  }

  accept (port: MessagePort): void {
    const link = { bridge: Comlink.wrap<ServiceWorkerBridge>(port), port }
    // every open page answers a port request: keep one, and let the SharedWorker close the
    // others (an unused extra has no call in flight)
    if (this.link != null && this.waiters.length === 0) {
      release(link)
      return
    }
    this.link = link
    for (const waiter of this.waiters.splice(0)) waiter(link.bridge)
  }

  /** A live bridge, or undefined when no page can provide one within `timeoutMs`. */
  async get (timeoutMs: number): Promise<Comlink.Remote<ServiceWorkerBridge> | undefined> {
    const current = this.link
    if (current != null) {
      const alive = await withTimeout(current.bridge.ping(), Math.min(500, timeoutMs), () => new Error('stale')).then(() => true, () => false)
      if (alive) return current.bridge
      // not released: a SharedWorker too busy to answer a ping in time may still answer the calls in flight
      if (this.link === current) this.link = undefined
    }
    let waiter!: (bridge: Comlink.Remote<ServiceWorkerBridge>) => void
    const next = new Promise<Comlink.Remote<ServiceWorkerBridge>>(resolve => { waiter = resolve })
    this.waiters.push(waiter)
    await this.components.broadcast({ type: PORT_REQUEST_MESSAGE })
    return withTimeout(next, timeoutMs, () => new Error('no page answered')).catch(() => {
      this.waiters = this.waiters.filter(w => w !== waiter)
      return undefined
    })
  }
}
