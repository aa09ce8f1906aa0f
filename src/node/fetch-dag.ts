/**
 * How the cafe brings a DAG it was asked to pin into its blockstore, as docs/API.md says:
 * from the request's origins first (a Helia session with them as its providers), then from
 * the connected peers (Helia's blockstore: bitswap sends the want to every connected peer).
 * A walk reads every block, which stores it. Once the origins fail a block (down, or they
 * lack it) the rest of the DAG is asked of the connected peers, origins included if they
 * are connected.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { readBlock } from '../core/gateway/block-source.ts'
import { walkDag } from '../core/gateway/dag-walk.ts'
import type { FetchDag } from '../core/pinning/index.ts'
import type { Helia } from '@helia/interface'
import type { AbortOptions } from '@libp2p/interface'
import type { ReadableStorage } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'

function parseOrigins (origins: string[]): Multiaddr[] {
  const parsed: Multiaddr[] = []
  for (const origin of origins) {
    try { parsed.push(multiaddr(origin)) } catch { /* the pinning service validated them; skip what libp2p cannot use */ }
  }
  return parsed
}

type SessionStore = ReadableStorage & { close?(): void }

export function createFetchDag (helia: Pick<Helia, 'blockstore'>): FetchDag {
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
    const blocks: ReadableStorage = {
      async * get (cid: CID, options: AbortOptions = {}) {
        if (session != null) {
          try {
            yield await readBlock(session, cid, options)
            return
          } catch {
            signal.throwIfAborted()
            options.signal?.throwIfAborted()
            // the origins failed this block: the connected peers from here on
            session.close?.()
            session = undefined
          }
        }
        yield * helia.blockstore.get(cid, options)
      }
    }
    try {
      for await (const block of walkDag(blocks, root, { signal })) void block
    } finally {
      session?.close?.()
    }
  }
}
