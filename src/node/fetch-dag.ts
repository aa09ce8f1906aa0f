/**
 * How the cafe brings a DAG it was asked to pin into its blockstore, as docs/API.md says:
 * from the request's origins first (a Helia session with them as its providers), then from
 * the connected peers (Helia's blockstore: bitswap sends the want to every connected peer).
 * Once the origins fail a block (down, or they lack it) the rest of the DAG is asked of the
 * connected peers, origins included if they are connected.
 *
 * Reading a block stores it. The DAG is walked with several blocks in flight, as each
 * block's links become known: one at a time, every block costs a network round trip.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { identity } from 'multiformats/hashes/identity'
import PQueue from 'p-queue'
import { readBlock } from '../core/gateway/block-source.ts'
import { linksOf } from '../core/util/dag.ts'
import type { FetchDag } from '../core/pinning/index.ts'
import type { Helia } from '@helia/interface'
import type { AbortOptions } from '@libp2p/interface'
import type { ReadableStorage } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'

export interface FetchDagInit {
  /** blocks requested at once; default 32 */
  blocksInFlight?: number
}

function parseOrigins (origins: string[]): Multiaddr[] {
  const parsed: Multiaddr[] = []
  for (const origin of origins) {
    try { parsed.push(multiaddr(origin)) } catch { /* the pinning service validated them; skip what libp2p cannot use */ }
  }
  return parsed
}

type SessionStore = ReadableStorage & { close?(): void }

export function createFetchDag (helia: Pick<Helia, 'blockstore'>, init: FetchDagInit = {}): FetchDag {
  const blocksInFlight = init.blocksInFlight ?? 32
  return async (root, { origins, signal }) => {
    const providers = parseOrigins(origins)
    let session: SessionStore | undefined
    if (providers.length > 0) {
      try {
        session = helia.blockstore.createSession(root, { providers, signal })
      } catch {
        // no session-capable block broker: the connected peers are all there is
      }
    }
    const read = async (cid: CID, options: AbortOptions): Promise<Uint8Array> => {
      const origins = session
      if (origins != null) {
        try {
          return await readBlock(origins, cid, options)
        } catch {
          options.signal?.throwIfAborted()
          // the origins failed this block: the connected peers from here on
          if (session === origins) {
            session = undefined
            origins.close?.()
          }
        }
      }
      return readBlock(helia.blockstore, cid, options)
    }

    // the first failure stops the walk
    const failed = new AbortController()
    const walkSignal = AbortSignal.any([signal, failed.signal])
    let failure: { error: unknown } | undefined
    const queue = new PQueue({ concurrency: blocksInFlight })
    const seen = new Set<string>()
    const visit = (cid: CID): void => {
      const key = cid.toString()
      if (seen.has(key) || cid.multihash.code === identity.code) return
      seen.add(key)
      queue.add(async () => {
        walkSignal.throwIfAborted()
        const bytes = await read(cid, { signal: walkSignal })
        for (const link of linksOf(cid, bytes)) visit(link)
      }).catch(error => {
        failure ??= { error }
        failed.abort()
      })
    }
    try {
      visit(root)
      await queue.onIdle()
      signal.throwIfAborted()
      if (failure != null) throw failure.error
    } finally {
      session?.close?.()
    }
  }
}
