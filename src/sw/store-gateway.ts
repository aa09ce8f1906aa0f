/**
 * The gateway a service worker runs over a browser cafe's own stores, for the cafe page's
 * Service Worker and the extension's alike: blocks and hosted IPNS records are read from
 * the IndexedDB stores it opens itself (read only: the cafe's worker writes them), so
 * stored content is served with no tab open; a missing block is asked of the cafe's worker
 * through a bridge, and the gateway core checks it against its CID.
 */
import { defaultLogger } from '@libp2p/logger'
import { IDBDatastore } from 'datastore-idb'
import { createGateway } from '../core/gateway/index.ts'
import { TimeoutError } from '../core/errors.ts'
import { createNameReader } from '../core/names/reader.ts'
import { withTimeout } from '../core/util/with-timeout.ts'
import { databaseNames } from '../browser/database-names.ts'
import { IdbBlockstore } from '../browser/idb-blockstore.ts'
import { DEFAULT_CAFE_NAME, NETWORK_TIMEOUT_MS } from '../worker/config.ts'
import { cancelSender } from '../worker/cancel-port.ts'
import type { ServiceWorkerBridge } from '../worker/api.ts'
import type { Gateway } from '../core/gateway/index.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Remote } from 'comlink'
import type { CID } from 'multiformats/cid'

export type FetchBlock = (cid: CID, options: AbortOptions) => Promise<Uint8Array>

export interface StoreGateway {
  /** answers `/ipfs/` and `/ipns/` requests, opening the stores on first use */
  fetch(request: Request, signal: AbortSignal): Promise<Response>
}

export function createStoreGateway (fetchBlock: FetchBlock, cafeName = DEFAULT_CAFE_NAME): StoreGateway {
  const blockstore = new IdbBlockstore(databaseNames(cafeName).blocks)
  const datastore = new IDBDatastore(databaseNames(cafeName).data)
  let opened: Promise<unknown> | undefined
  const gateway: Gateway = createGateway({
    blockstore: {
      get: (cid, options) => blockstore.get(cid, options),
      has: (cid, options) => blockstore.has(cid, options)
    },
    blobs: {
      getBlob: async (cid, options) => blockstore.getBlob(cid, options),
      getBlobs: async (cids, options) => blockstore.getBlobs(cids, options)
    },
    logger: defaultLogger(),
    fetchBlock,
    names: createNameReader({ datastore })
  }, { networkTimeoutMs: NETWORK_TIMEOUT_MS })

  return {
    async fetch (request, signal) {
      // a failed open is tried again on the next request
      opened ??= Promise.all([blockstore.open(), datastore.open()]).catch((err: unknown) => { opened = undefined; throw err })
      await opened
      return gateway.fetch(request, { signal })
    }
  }
}

/**
 * A block from the network through the cafe's worker, within what is left of the network
 * time limit since `started`. A page that stops reading stops the worker's fetch too (the
 * abort crosses a port), and a worker that died mid-call (it never answers) ends in a
 * TimeoutError that says `gone`.
 */
export async function fetchBlockThrough (bridge: Remote<ServiceWorkerBridge>, cid: CID, started: number, gone: string, options: AbortOptions): Promise<Uint8Array> {
  options.signal?.throwIfAborted()
  const remaining = Math.max(1, NETWORK_TIMEOUT_MS - (Date.now() - started))
  const cancel = cancelSender(options.signal ?? new AbortController().signal)
  try {
    return await withTimeout(bridge.fetchBlock(cid.toString(), remaining, cancel.port), remaining + 1_000, () => new Error(gone))
  } catch (err) {
    if (options.signal?.aborted === true) throw options.signal.reason
    throw new TimeoutError(`block ${cid} could not be fetched from the network: ${(err as Error).message}`)
  } finally {
    cancel.done()
  }
}
