/**
 * The cafe as it runs in a browser context: the node, the stores and the services,
 * behind the typed API pages and the Service Worker call. Kept apart from the
 * SharedWorker entry so the same runtime can live in an extension document.
 */
import { defaultLogger } from '@libp2p/logger'
import * as Comlink from 'comlink'
import { CID } from 'multiformats/cid'
import { addFiles } from '../core/library/add-files.ts'
import { createLibrary } from '../core/library/library.ts'
import { createBrowserCafeNode, type CafeNode } from '../node/browser-node.ts'
import type { CafeStatus, CafeWorkerApi, FileUpload, ServiceWorkerBridge } from './api.ts'
import type { Library } from '../core/library/library.ts'

export interface CafeRuntime {
  node: CafeNode
  library: Library
  api: CafeWorkerApi
}

async function storageEstimate (): Promise<{ usage: number, quota: number }> {
  const estimate = await (globalThis.navigator?.storage?.estimate?.() ?? Promise.resolve({ usage: 0, quota: 0 }))
  return { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 }
}

function bridgeFor (node: CafeNode): ServiceWorkerBridge {
  return {
    async fetchBlock (cid, timeoutMs) {
      const chunks: Uint8Array[] = []
      for await (const chunk of node.helia.blockstore.get(CID.parse(cid), { signal: AbortSignal.timeout(timeoutMs) })) chunks.push(chunk)
      const bytes = chunks.length === 1 ? chunks[0] : new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer())
      return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer])
    },
    async ping () { return 'pong' }
  }
}

export async function startCafeRuntime (name: string): Promise<CafeRuntime> {
  const startedAt = Date.now()
  const node = await createBrowserCafeNode({ name, allowPrivateDials: true })
  const logger = defaultLogger()
  const library = createLibrary({ datastore: node.datastore, logger })
  const bridge = bridgeFor(node)

  const api: CafeWorkerApi = {
    async status (): Promise<CafeStatus> {
      const libp2p = node.helia.libp2p
      return {
        peerId: libp2p.peerId.toString(),
        addresses: libp2p.getMultiaddrs().map(ma => ma.toString()),
        connections: libp2p.getConnections().length,
        blocks: await node.blockstore.count(),
        storage: await storageEstimate(),
        startedAt
      }
    },
    async addFiles (files: FileUpload[]) {
      return addFiles({ blockstore: node.helia.blockstore, library }, files.map(({ path, file }) => ({
        path,
        size: file.size,
        content: file.stream() as unknown as AsyncIterable<Uint8Array>
      })))
    },
    async library () {
      return library.list()
    },
    async connectServiceWorker (port: MessagePort) {
      Comlink.expose(bridge, port)
    }
  }
  return { node, library, api }
}
