/**
 * The line between a Service Worker that answers `/ipfs/` and a page holding a libp2p
 * connection to a cafe. A Service Worker has no `RTCPeerConnection` and cannot keep a
 * connection, so the page fetches blocks for it (`serveBlocks`), and the worker checks
 * each block against its CID before using it (`BlockProviderLink.fetchBlock`): the page
 * and the cafe are trusted with nothing but availability.
 *
 * A page announces itself by posting one end of a `MessageChannel` to the worker; the
 * worker asks every open page again (`PROVIDER_REQUEST_MESSAGE`) when it has none, or the
 * one it has stopped answering (a port to a closed page swallows messages silently, so
 * every call is bounded by a timeout).
 */
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { equals } from 'uint8arrays/equals'
import { CafeError, TimeoutError, UnavailableError, isCafeErrorCode } from '../core/errors.ts'
import { InvalidBlockError } from '../core/gateway/errors.ts'
import { parseCid } from '../core/util/cid.ts'
import { withTimeout } from '../core/util/with-timeout.ts'
import type { AbortOptions } from '../core/types.ts'
import type { CID } from 'multiformats/cid'

export const PROVIDER_MESSAGE = 'cafe-client:block-provider'
export const PROVIDER_REQUEST_MESSAGE = 'cafe-client:block-provider-request'

/** worker → page */
type LinkRequest =
  | { type: 'get', id: number, cid: string, timeoutMs: number }
  | { type: 'cancel', id: number }
  | { type: 'ping', id: number }

/** page → worker */
type LinkAnswer =
  | { id: number, bytes: Uint8Array }
  | { id: number, error: { code: string, message: string, status: number } }
  | { id: number, pong: { cafe?: string } }

/** What a page announces: a port, and which cafe it reaches. */
export interface ProviderAnnouncement {
  type: typeof PROVIDER_MESSAGE
  port: MessagePort
  cafe?: string
}

export function isProviderAnnouncement (data: unknown): data is ProviderAnnouncement {
  return (data as ProviderAnnouncement)?.type === PROVIDER_MESSAGE && (data as ProviderAnnouncement).port instanceof MessagePort
}

const HASHERS = new Map([sha256, sha512].map(hasher => [hasher.code as number, hasher]))

/** Bytes from a page must hash to the CID; a hash the worker cannot check is refused. */
export async function verifyBlock (cid: CID, bytes: Uint8Array): Promise<void> {
  if (cid.multihash.code === identity.code) {
    if (!equals(cid.multihash.digest, bytes)) throw new InvalidBlockError(`the bytes for ${cid} do not match it`)
    return
  }
  const hasher = HASHERS.get(cid.multihash.code)
  if (hasher == null) throw new InvalidBlockError(`${cid} uses a hash this client cannot check`, 'UNSUPPORTED_HASH')
  const digest = await hasher.digest(bytes)
  if (!equals(digest.digest, cid.multihash.digest)) throw new InvalidBlockError(`the cafe sent bytes that do not match ${cid}`)
}

function errorFrom (error: { code: string, message: string, status: number }): CafeError {
  return new CafeError(error.message, isCafeErrorCode(error.code) ? error.code : 'UNAVAILABLE', error.status)
}

export interface BlockProviderLinkComponents {
  /** posts a message to every open page of the origin */
  broadcast(message: unknown): Promise<void>
}

export interface BlockProviderLinkInit {
  /** how long a page may take to answer a ping; default 500 ms */
  pingTimeoutMs?: number
  /** how long to wait for a page to announce itself when none has; default 1 s */
  announceTimeoutMs?: number
  /** how long one block may take; default 10 s */
  blockTimeoutMs?: number
}

interface Provider {
  port: MessagePort
  cafe?: string
}

/** The worker's end: finds a page that reaches a cafe and asks it for blocks. */
export class BlockProviderLink {
  private provider?: Provider
  private nextId = 1
  private readonly pending = new Map<number, (answer: LinkAnswer) => void>()
  private waiters: Array<(provider: Provider) => void> = []
  private readonly components: BlockProviderLinkComponents
  private readonly pingTimeoutMs: number
  private readonly announceTimeoutMs: number
  private readonly blockTimeoutMs: number

  constructor (components: BlockProviderLinkComponents, init: BlockProviderLinkInit = {}) {
    this.components = components
    this.pingTimeoutMs = init.pingTimeoutMs ?? 500
    this.announceTimeoutMs = init.announceTimeoutMs ?? 1_000
    this.blockTimeoutMs = init.blockTimeoutMs ?? 10_000
  }

  /** A page announced itself (the latest wins: it is the one most likely open). */
  accept (announcement: Pick<ProviderAnnouncement, 'port' | 'cafe'>): void {
    const { port, cafe } = announcement
    port.onmessage = (event: MessageEvent<LinkAnswer>) => {
      const answer = event.data
      const resolve = this.pending.get(answer?.id)
      if (resolve == null) return
      this.pending.delete(answer.id)
      resolve(answer)
    }
    const previous = this.provider
    this.provider = { port, cafe }
    if (previous != null && previous.port !== port) previous.port.close()
    for (const waiter of this.waiters.splice(0)) waiter(this.provider)
  }

  /** The cafe the current page reaches, if a page announced one. */
  get cafe (): string | undefined {
    return this.provider?.cafe
  }

  /**
   * A live page, or undefined when none answers: waits up to `waitMs` for one to announce
   * itself (0: ask the pages for next time, but do not wait).
   */
  async available (waitMs = this.announceTimeoutMs): Promise<boolean> {
    return (await this.live(waitMs)) != null
  }

  /** Asks the page for `cid` and checks the bytes against it. */
  async fetchBlock (cid: CID, options: AbortOptions & { timeoutMs?: number } = {}): Promise<Uint8Array> {
    const timeoutMs = options.timeoutMs ?? this.blockTimeoutMs
    const provider = await this.live(this.announceTimeoutMs)
    if (provider == null) throw new UnavailableError('no open page of this app is connected to a cafe: connect with a cafe address', 'CAFE_UNREACHABLE')
    const id = this.nextId++
    const answered = this.ask(provider, { type: 'get', id, cid: cid.toString(), timeoutMs })
    try {
      // the page bounds its own fetch by timeoutMs; this bounds a page that closed mid-call
      const answer = await withTimeout(answered, timeoutMs + this.pingTimeoutMs * 2,
        () => new TimeoutError(`block ${cid} did not arrive within ${timeoutMs} ms`, 'BLOCK_UNAVAILABLE'), options.signal)
      if ('error' in answer) throw errorFrom(answer.error)
      if (!('bytes' in answer)) throw new CafeError('the page sent an unreadable answer', 'RESPONSE_INVALID', 502)
      const bytes = new Uint8Array(answer.bytes)
      await verifyBlock(cid, bytes)
      return bytes
    } catch (err) {
      this.pending.delete(id)
      if (options.signal?.aborted === true) provider.port.postMessage({ type: 'cancel', id } satisfies LinkRequest)
      throw err
    }
  }

  private async ask (provider: Provider, request: LinkRequest): Promise<LinkAnswer> {
    return new Promise(resolve => {
      this.pending.set(request.id, resolve)
      provider.port.postMessage(request)
    })
  }

  private async live (waitMs: number): Promise<Provider | undefined> {
    const current = this.provider
    if (current != null) {
      const id = this.nextId++
      const pong = await withTimeout(this.ask(current, { type: 'ping', id }), this.pingTimeoutMs, () => new Error('stale'))
        .catch(() => { this.pending.delete(id); return undefined })
      if (pong != null && 'pong' in pong) {
        current.cafe = pong.pong.cafe
        return current
      }
      if (this.provider === current) this.provider = undefined
    }
    let waiter!: (provider: Provider) => void
    const next = new Promise<Provider>(resolve => { waiter = resolve })
    this.waiters.push(waiter)
    await this.components.broadcast({ type: PROVIDER_REQUEST_MESSAGE })
    return withTimeout(next, Math.max(1, waitMs), () => new Error('no page answered')).catch(() => {
      this.waiters = this.waiters.filter(w => w !== waiter)
      return undefined
    })
  }
}

/** What a page needs to serve blocks: where to post its announcement, and the worker's messages. */
export interface BlockServerTarget {
  /** the worker to announce to now (the page's controller), if any */
  current(): { postMessage(message: unknown, transfer: Transferable[]): void } | null | undefined
  /** calls `listener` when the worker asks pages to announce, or a new worker takes control */
  onAnnounceWanted(listener: () => void): () => void
}

export interface ServeBlocksInit {
  /** the cafe's peer id, shown by the worker in errors and status */
  cafe?: string
  /** default: this page's Service Worker container */
  target?: BlockServerTarget
}

export interface BlockServer {
  /** announces again (after a reconnection to another cafe, say) */
  announce(): void
  close(): void
}

/** The page's Service Worker container as a BlockServerTarget. */
export function serviceWorkerTarget (container: ServiceWorkerContainer = navigator.serviceWorker): BlockServerTarget {
  return {
    current: () => container.controller,
    onAnnounceWanted (listener) {
      const onMessage = (event: MessageEvent): void => { if (event.data?.type === PROVIDER_REQUEST_MESSAGE) listener() }
      container.addEventListener('message', onMessage)
      container.addEventListener('controllerchange', listener)
      return () => {
        container.removeEventListener('message', onMessage)
        container.removeEventListener('controllerchange', listener)
      }
    }
  }
}

/**
 * The page's end: answers the worker's block requests with `fetchBlock` (for example
 * `cafeBlockFetcher`, bitswap over the connection to the cafe).
 */
export function serveBlocks (fetchBlock: (cid: CID, options: AbortOptions) => Promise<Uint8Array>, init: ServeBlocksInit = {}): BlockServer {
  const target = init.target ?? serviceWorkerTarget()
  const running = new Map<number, AbortController>()
  let port: MessagePort | undefined

  const answer = async (port: MessagePort, request: Extract<LinkRequest, { type: 'get' }>): Promise<void> => {
    const controller = new AbortController()
    running.set(request.id, controller)
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(request.timeoutMs)])
    try {
      const cid = parseCid(request.cid)
      const bytes = await fetchBlock(cid, { signal })
      // a copy the page gives away: the fetcher may keep its own
      const copy = bytes.slice()
      port.postMessage({ id: request.id, bytes: copy } satisfies LinkAnswer, [copy.buffer])
    } catch (err) {
      const error = signal.aborted && !controller.signal.aborted
        ? new TimeoutError(`block ${request.cid} did not arrive from the cafe within ${request.timeoutMs} ms`, 'BLOCK_UNAVAILABLE')
        : err instanceof CafeError ? err : new UnavailableError(`block ${request.cid} could not be fetched: ${(err as Error)?.message ?? String(err)}`, 'BLOCK_UNAVAILABLE')
      port.postMessage({ id: request.id, error: { code: error.code, message: error.message, status: error.status } } satisfies LinkAnswer)
    } finally {
      running.delete(request.id)
    }
  }

  const announce = (): void => {
    const worker = target.current()
    if (worker == null) return
    port?.close()
    const channel = new MessageChannel()
    const ours = channel.port1
    port = ours
    ours.onmessage = (event: MessageEvent<LinkRequest>) => {
      const request = event.data
      if (request?.type === 'ping') ours.postMessage({ id: request.id, pong: { cafe: init.cafe } } satisfies LinkAnswer)
      else if (request?.type === 'cancel') running.get(request.id)?.abort()
      else if (request?.type === 'get') void answer(ours, request)
    }
    worker.postMessage({ type: PROVIDER_MESSAGE, port: channel.port2, cafe: init.cafe }, [channel.port2])
  }

  const stop = target.onAnnounceWanted(announce)
  announce()
  return {
    announce,
    close () {
      stop()
      for (const controller of running.values()) controller.abort()
      port?.close()
      port = undefined
    }
  }
}
