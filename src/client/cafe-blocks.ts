/**
 * Blocks from the connected cafe: Helia's bitswap over the client node's connection
 * (the cafe answers wants from its blockstore), redialing first if the connection closed.
 * A connection that closes mid-fetch fails the fetch at once with `CAFE_UNREACHABLE`
 * instead of leaving the want to wait for a timeout. Helia checks each block against its
 * CID; the client gateway checks it again where it is used.
 */
import { concat } from 'uint8arrays/concat'
import { UnavailableError } from '../core/errors.ts'
import type { CafeLink } from './connect.ts'
import type { AbortOptions } from '../core/types.ts'
import type { Helia } from '@helia/interface'
import type { CID } from 'multiformats/cid'

export type BlockFetcher = (cid: CID, options?: AbortOptions) => Promise<Uint8Array>

export function cafeBlockFetcher (helia: Pick<Helia, 'blockstore'>, link: Pick<CafeLink, 'open' | 'peerId'>): BlockFetcher {
  return async (cid, options = {}) => {
    const connection = await link.open(options)
    const gone = new AbortController()
    const onClose = (): void => {
      gone.abort(new UnavailableError(`the connection to the cafe ${link.peerId.toString()} closed while fetching ${cid}`, 'CAFE_UNREACHABLE'))
    }
    connection.addEventListener('close', onClose, { once: true })
    if (connection.status !== 'open') onClose()
    const signal = options.signal == null ? gone.signal : AbortSignal.any([gone.signal, options.signal])
    try {
      const chunks: Uint8Array[] = []
      for await (const chunk of helia.blockstore.get(cid, { signal })) chunks.push(chunk)
      return chunks.length === 1 ? chunks[0] : concat(chunks)
    } catch (err) {
      if (gone.signal.aborted) throw gone.signal.reason
      throw err
    } finally {
      connection.removeEventListener('close', onClose)
    }
  }
}
