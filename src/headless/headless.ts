/**
 * The headless cafe: the same core services as the browser cafe, run under Node for an
 * always-on cafe. Blocks live in a blockstore-fs directory and everything else (Helia's
 * self key, so the peer id survives restarts, pins, accounts, every service's records)
 * in a datastore-level database, both under one data directory. libp2p listens on TCP
 * and WebSockets and keeps reservations on the configured relays; an HTTP server answers
 * `/api/**` with the cafe's HTTP door and `/ipfs/**` with the same gateway core the
 * Service Worker runs. See docs/HEADLESS.md.
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { loadOrCreateSelfKey } from '@libp2p/config'
import { defaultLogger } from '@libp2p/logger'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { concat } from 'uint8arrays/concat'
import { DEFAULT_HEADLESS_LISTEN } from './defaults.ts'
import { openDurableStores, type DurableFsBlockstore, type DurableLevelDatastore } from './durable-stores.ts'
import { encodeCafeAddress } from '../core/address/index.ts'
import { createCafe, type Cafe, type CafeInit } from '../core/cafe.ts'
import { createGateway, DEFAULT_NETWORK_TIMEOUT_MS, type Gateway } from '../core/gateway/index.ts'
import { listenAddresses } from '../core/util/listen-addresses.ts'
import { nodeAead } from '../node/aead.ts'
import { createCafeHelia, type CafeHelia, type CafeNodeServices } from '../node/cafe-helia.ts'
import { createFetchDag } from '../node/fetch-dag.ts'
import { abortSafeReads } from './fs-block-reads.ts'
import { jsonError, serveFetch, type FetchServer, type HttpServerLimits } from './http-server.ts'
import { createPrometheusMetrics, registerHostMetrics, type PrometheusMetrics } from './metrics.ts'
import { observabilityRoutes } from './metrics-routes.ts'
import { checkOwnerSecret, loadOrCreateOwnerSecret, type OwnerSecret } from './owner-secret.ts'
import { textResponse } from './text-response.ts'
import { keepReservations, type KeepReservationsInit, type ReservationKeeper } from '../node/reservations.ts'
import type { AbortOptions, ComponentLogger, PeerId, PrivateKey } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

export { DEFAULT_HEADLESS_LISTEN }

export type HeadlessNodeServices = CafeNodeServices
export type HeadlessHelia = CafeHelia

export interface HeadlessCafeInit {
  /** holds `blocks/` (blockstore-fs), `data/` (datastore-level) and `owner-secret`; created if missing */
  dataDir: string
  /** the HTTP server for /api/ and /ipfs/; default 127.0.0.1:8090 (port 0: any free port) */
  http?: { host?: string, port?: number, limits?: HttpServerLimits }
  /** libp2p TCP and WebSockets multiaddrs; default DEFAULT_HEADLESS_LISTEN */
  listen?: string[]
  /** addresses to advertise instead of the listening ones (behind NAT or a proxy) */
  announce?: string[]
  /** relay multiaddrs ending in /p2p/<relay id>, kept reserved by keepReservations */
  relays?: string[]
  /** retry and timeout of the relay keeper; `onChange` also hears every change */
  reservations?: KeepReservationsInit
  /** the owner routes' Bearer secret; default: `<dataDir>/owner-secret`, created on first start */
  ownerSecret?: string
  /** the cafe services' settings (quotas, token lifetimes, request limits) */
  cafe?: Omit<CafeInit, 'ownerSecret'>
  /**
   * fsync block files and sync LevelDB writes before an answer says something is stored
   * (src/headless/durable-stores.ts); false trades that for speed: a power cut may then lose
   * what was acknowledged in the last seconds. Default true.
   */
  durableWrites?: boolean
  /** how long the gateway waits for a block from the network; default 10 s */
  networkTimeoutMs?: number
  /**
   * `/metrics`, `/healthz` and `/readyz`: by default on the HTTP server, behind the owner
   * secret; with `listen`, on their own server at that address without a secret (and not on the
   * HTTP server). That server starts first, so `/readyz` answers 503 while the cafe starts.
   */
  metrics?: { listen?: { host?: string, port: number } }
  logger?: ComponentLogger
}

export interface HeadlessCafe {
  readonly peerId: PeerId
  readonly privateKey: PrivateKey
  readonly helia: HeadlessHelia
  readonly cafe: Cafe
  readonly gateway: Gateway
  readonly blockstore: DurableFsBlockstore
  readonly datastore: DurableLevelDatastore
  readonly http: FetchServer
  /** what `/metrics` exports; services register theirs on it (`components.metrics`) */
  readonly metrics: PrometheusMetrics
  /** the separate server of /metrics, /healthz and /readyz, when `metrics.listen` was given */
  readonly metricsServer?: FetchServer
  /** where the owner secret came from (and the secret itself) */
  readonly owner: OwnerSecret
  /** present when relays were given */
  readonly reservations?: ReservationKeeper
  /** `http://<host>:<port>` of the HTTP server */
  readonly url: string
  /** the node's dialable multiaddrs, each ending in /p2p/<peer id> */
  multiaddrs(): Multiaddr[]
  /** the cafe address an owner shares (docs/RELAY.md); throws while the node has no address */
  address(): string
  /** what the HTTP server does with one request, without the server */
  handle(request: Request, options: { remote: string, signal?: AbortSignal }): Promise<Response>
  stop(): Promise<void>
}

/** `/api/**` and `/routing/v1/**` to the cafe's HTTP door, `/ipfs/**` and `/ipns/**` to the gateway, `/metrics` and the health checks if given, a JSON 404 for the rest. */
export function routeRequests (cafe: Pick<Cafe, 'http'>, gateway: Gateway, observability?: (request: Request) => Promise<Response | undefined>) {
  return async (request: Request, options: { remote: string, signal?: AbortSignal }): Promise<Response> => {
    const observed = await observability?.(request)
    if (observed != null) return observed
    const { pathname } = new URL(request.url)
    if (pathname.startsWith('/api/') || pathname.startsWith('/routing/')) return cafe.http.fetch(request, options)
    // the gateway already follows request.signal; a second, distinct signal is combined with it
    if (pathname.startsWith('/ipfs/') || pathname.startsWith('/ipns/')) return gateway.fetch(request, { signal: options.signal === request.signal ? undefined : options.signal })
    return jsonError(404, 'NOT_FOUND', 'nothing here: the cafe serves /api/v0/…, /routing/v1/…, /ipfs/… and /ipns/…')
  }
}

/**
 * A block from the network (bitswap through Helia), gathered: the gateway verifies it before
 * use. The returned promise is marked handled: a caller whose request was aborted meanwhile may
 * drop it, and its rejection must not become an unhandled one that ends the process.
 */
function networkBlocks (helia: HeadlessHelia) {
  return (cid: CID, options: AbortOptions): Promise<Uint8Array> => {
    const fetched = gatherBlock(helia, cid, options)
    fetched.catch(() => {})
    return fetched
  }
}

async function gatherBlock (helia: HeadlessHelia, cid: CID, options: AbortOptions): Promise<Uint8Array> {
  options.signal?.throwIfAborted()
  const chunks: Uint8Array[] = []
  let length = 0
  for await (const chunk of helia.blockstore.get(cid, { signal: options.signal })) {
    chunks.push(chunk)
    length += chunk.byteLength
  }
  return chunks.length === 1 ? chunks[0] : concat(chunks, length)
}

/** The HTTP server as a multiaddr (`/ip4/127.0.0.1/tcp/8090/http`). */
function httpMultiaddr (server: FetchServer): string {
  return `/${server.host.includes(':') ? 'ip6' : 'ip4'}/${server.host}/tcp/${server.port}/http`
}

/** Runs `undo` steps in reverse when a later start-up step fails, so a failed start leaves nothing open. */
async function unwind (steps: Array<() => Promise<unknown> | unknown>): Promise<void> {
  for (const step of steps.reverse()) {
    try { await step() } catch { /* keep closing the rest */ }
  }
}

export async function createHeadlessCafe (init: HeadlessCafeInit): Promise<HeadlessCafe> {
  const logger = init.logger ?? defaultLogger()
  const log = logger.forComponent('cafe:headless')
  const undo: Array<() => Promise<unknown> | unknown> = []
  const metrics = createPrometheusMetrics({ log: logger.forComponent('cafe:metrics') })
  // what /readyz checks, each live: the parts are set as they start
  let stores: { datastore: DurableLevelDatastore } | undefined
  let node: HeadlessHelia | undefined
  let running = false
  const ready = {
    stores: () => stores?.datastore.db.status === 'open',
    libp2p: () => node?.libp2p.status === 'started',
    services: () => running
  }
  try {
    const metricsServer = init.metrics?.listen != null
      ? await serveFetch(async request => await observabilityRoutes({ metrics, ready })(request) ?? jsonError(404, 'NOT_FOUND', 'this address serves /metrics, /healthz and /readyz'), {
        host: init.metrics.listen.host, port: init.metrics.listen.port, logger
      })
      : undefined
    if (metricsServer != null) undo.push(async () => metricsServer.close())
    const owner: OwnerSecret = init.ownerSecret != null
      ? { secret: checkOwnerSecret(init.ownerSecret), source: 'given', created: false }
      : await loadOrCreateOwnerSecret(init.dataDir)

    const { blockstore, datastore } = await openDurableStores(init.dataDir, { durable: init.durableWrites })
    undo.push(async () => datastore.close(), async () => blockstore.close())
    stores = { datastore }
    if (blockstore.staleTemporaries > 0) log('deleted %d temporary files of block writes a killed run left', blockstore.staleTemporaries)
    const privateKey = await loadOrCreateSelfKey(datastore)

    const helia = createCafeHelia({
      blockstore,
      // Helia's own writes acknowledge nothing; the cafe's next synced write carries them
      datastore: datastore.unsynced(),
      privateKey,
      listen: init.listen ?? DEFAULT_HEADLESS_LISTEN,
      announce: init.announce,
      transports: [tcp(), webSockets(), circuitRelayTransport()]
    })
    await helia.start()
    undo.push(async () => helia.stop())
    node = helia
    const libp2p = helia.libp2p
    // known once the HTTP server listens, below; content routing answers name it
    let httpServer: FetchServer | undefined

    const cafe = createCafe({
      datastore,
      logger,
      privateKey,
      addresses: listenAddresses(libp2p),
      httpAddresses: () => httpServer == null || httpServer.host === '0.0.0.0' || httpServer.host === '::' ? [] : [httpMultiaddr(httpServer)],
      dial: async (address, options) => { await libp2p.dial(multiaddr(address), options) },
      // the store itself, not helia.blockstore: Helia's wrapper asks content routers to stop
      // providing on delete, and throws when there are none
      storage: { blockstore, pins: helia.pins, fetchDag: createFetchDag(helia) },
      metrics
    }, { ...init.cafe, ownerSecret: owner.secret, httpResponses: textResponse })
    const unhandle = await cafe.handleProtocols(libp2p)
    undo.push(unhandle)
    await cafe.start()
    undo.push(async () => cafe.stop())
    let reservations: ReservationKeeper | undefined
    const host = registerHostMetrics(metrics, { cafe, libp2p, reservations: { status: () => reservations?.status() ?? [] } })

    const gateway = createGateway({ blockstore: abortSafeReads(blockstore), logger, fetchBlock: networkBlocks(helia), names: cafe.services.names, aead: nodeAead }, {
      networkTimeoutMs: init.networkTimeoutMs ?? DEFAULT_NETWORK_TIMEOUT_MS
    })
    const handle = routeRequests(cafe, gateway, metricsServer == null ? observabilityRoutes({ metrics, ready, secret: owner.secret }) : undefined)
    const http = await serveFetch(handle, { host: init.http?.host, port: init.http?.port, limits: init.http?.limits, logger, onServed: host.served })
    undo.push(async () => http.close())
    httpServer = http

    reservations = init.relays != null && init.relays.length > 0
      ? keepReservations(libp2p, init.relays, {
        ...init.reservations,
        onChange: relays => {
          for (const relay of relays) log('relay %s: %s', relay.relay, relay.reserved ? 'reserved' : relay.error ?? 'not reserved')
          init.reservations?.onChange?.(relays)
        }
      })
      : undefined
    running = true
    log('cafe %p: http %s, libp2p %a', libp2p.peerId, http.url, libp2p.getMultiaddrs())

    let stopping: Promise<void> | undefined
    return {
      peerId: libp2p.peerId,
      privateKey,
      helia,
      cafe,
      gateway,
      blockstore,
      datastore,
      http,
      metrics,
      metricsServer,
      owner,
      reservations,
      url: http.url,
      multiaddrs: () => libp2p.getMultiaddrs(),
      address: () => encodeCafeAddress({ peerId: libp2p.peerId, multiaddrs: libp2p.getMultiaddrs() }),
      handle,
      async stop () {
        stopping ??= (async () => {
          // not ready from the first moment of the stop: a balancer stops sending new requests
          running = false
          reservations?.stop()
          await unwind(undo)
        })()
        return stopping
      }
    }
  } catch (err) {
    await unwind(undo)
    throw err
  }
}
