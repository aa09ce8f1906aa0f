/**
 * The cafe as it runs in a browser context: the node, the stores and the services,
 * behind the typed API pages and the Service Worker call. Kept apart from the
 * SharedWorker entry so the same runtime can live in an extension document.
 */
// first: @libp2p/webrtc reads the RTCPeerConnection global when it is evaluated
import { webRtcBridge } from './webrtc/install.ts'
import { defaultLogger } from '@libp2p/logger'
import * as Comlink from 'comlink'
import { CID } from 'multiformats/cid'
import { createCafe, type Cafe } from '../core/cafe.ts'
import { addFiles, type AddFilesComponents } from '../core/library/add-files.ts'
import { byteCounter } from '../client/progress.ts'
import { createLibrary } from '../core/library/library.ts'
import { listenAddresses } from '../core/util/listen-addresses.ts'
import { createBrowserCafeNode, type CafeNode } from '../browser/browser-node.ts'
import { createFetchDag } from '../node/fetch-dag.ts'
import { startCafeNetwork } from './network.ts'
import { cancelReceiver } from './cancel-port.ts'
import './comlink-errors.ts'
import type { AddProgressEvent, CafeStatus, CafeWorkerApi, FileUpload, ForwardedRequest, ServiceWorkerBridge } from './api.ts'
import type { Library } from '../core/library/library.ts'

export interface CafeRuntime {
  node: CafeNode
  cafe: Cafe
  library: Library
  api: CafeWorkerApi
}

async function storageEstimate (): Promise<{ usage: number, quota: number }> {
  const estimate = await (globalThis.navigator?.storage?.estimate?.() ?? Promise.resolve({ usage: 0, quota: 0 }))
  return { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 }
}

function toRequest (forwarded: ForwardedRequest, signal: AbortSignal): Request {
  return new Request(forwarded.url, {
    method: forwarded.method,
    headers: forwarded.headers,
    body: forwarded.body,
    signal,
    duplex: 'half'
  } as RequestInit)
}

interface Bridge extends ServiceWorkerBridge {
  /** calls being answered now */
  readonly calls: number
}

/** What the Service Worker calls: each call stops when the page's fetch is aborted. */
function bridgeFor (node: CafeNode, cafe: Cafe): Bridge {
  let calls = 0
  const counted = async <T>(cancel: MessagePort | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const receiver = cancelReceiver(cancel)
    calls++
    try {
      return await work(receiver.signal)
    } finally {
      calls--
      receiver.done()
    }
  }
  return {
    get calls () { return calls },
    async fetchBlock (cid, timeoutMs, cancel) {
      return counted(cancel, async (cancelled) => {
        const signal = AbortSignal.any([cancelled, AbortSignal.timeout(timeoutMs)])
        const chunks: Uint8Array[] = []
        for await (const chunk of node.helia.blockstore.get(CID.parse(cid), { signal })) chunks.push(chunk)
        const bytes = chunks.length === 1 ? chunks[0] : new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer())
        return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer])
      })
    },
    async handleHttp (forwarded, remote, cancel) {
      return counted(cancel, async (signal) => {
        const request = toRequest(forwarded, signal)
        try {
          const response = await cafe.http.fetch(request, { remote, signal })
          const body = await response.arrayBuffer()
          return Comlink.transfer({ status: response.status, headers: [...response.headers], body }, [body])
        } finally {
          // an answer given before the body was read (413, 401) lets go of the page's upload stream
          if (request.body != null && !request.bodyUsed) await request.body.cancel().catch(() => {})
        }
      })
    },
    async ping () { return 'pong' }
  }
}

export async function startCafeRuntime (name: string): Promise<CafeRuntime> {
  const startedAt = Date.now()
  const node = await createBrowserCafeNode({ name, allowPrivateDials: true })
  const libp2p = node.helia.libp2p
  const logger = defaultLogger()
  const library = createLibrary({ datastore: node.datastore, logger })
  const cafe = createCafe({
    datastore: node.datastore,
    logger,
    privateKey: node.privateKey,
    addresses: listenAddresses(libp2p),
    // the pinning service writes and deletes blocks on the store itself: Helia's wrapper
    // asks content routers to stop reproviding on delete, and this node has none
    storage: { blockstore: node.blockstore, pins: node.helia.pins, fetchDag: createFetchDag(node.helia) }
  })
  await cafe.handleProtocols(libp2p)
  await cafe.start()
  const bridge = bridgeFor(node, cafe)
  // only the bridge's methods go on the port (a getter would be read once, when exposed)
  const serviceWorkerApi: ServiceWorkerBridge = {
    fetchBlock: async (cid, timeoutMs, cancel) => bridge.fetchBlock(cid, timeoutMs, cancel),
    handleHttp: async (request, remote, cancel) => bridge.handleHttp(request, remote, cancel),
    ping: async () => bridge.ping()
  }
  const network = await startCafeNetwork({ libp2p, datastore: node.datastore, logger, bridge: webRtcBridge })

  const api: CafeWorkerApi = {
    ...cafe.owner,
    async peerId () { return libp2p.peerId.toString() },
    async status (): Promise<CafeStatus> {
      return {
        peerId: libp2p.peerId.toString(),
        addresses: libp2p.getMultiaddrs().map(ma => ma.toString()),
        connections: libp2p.getConnections().length,
        blocks: await node.blockstore.count(),
        storage: await storageEstimate(),
        startedAt,
        serviceWorkerCalls: bridge.calls
      }
    },
    async addFiles (files: FileUpload[], onProgress?: (evt: AddProgressEvent) => void) {
      // the add hands over what it wrote (options.index), so the pin need not read the DAG back
      const keep: AddFilesComponents['keep'] = async (cid, options) => cafe.services.pinning?.keep(cid, `library-${cid}`, options)
      const counter = byteCounter('cafe:add', files.reduce((sum, { file }) => sum + file.size, 0), onProgress)
      // the store itself, as the pinning service writes: Helia's wrapper asks the store `has`
      // (an IndexedDB transaction) and tells bitswap before every put, which nobody can be
      // waiting for while the file's CIDs are being made
      const added = await addFiles({ blockstore: node.blockstore, library, keep }, files.map(({ path, file }) => ({
        path,
        size: file.size,
        content: counter.count(file.stream() as unknown as AsyncIterable<Uint8Array>),
        blob: file
      })))
      counter.flush()
      return added
    },
    async library () {
      return library.list()
    },
    async connectServiceWorker (port: MessagePort) {
      Comlink.expose(serviceWorkerApi, port)
    },
    async hostWebRtc (port: MessagePort, hostId: string) {
      webRtcBridge?.attachHost(port, hostId)
    },
    async network () { return network.status() },
    async addRelay (relay: string, options?: { save?: boolean }) { return network.addRelay(relay, options) },
    async removeRelay (relay: string) { return network.removeRelay(relay) }
  }
  return { node, cafe, library, api }
}
