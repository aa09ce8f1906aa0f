/**
 * The node's addresses as strings, rebuilt only when they change: libp2p builds every
 * multiaddr anew on each `getMultiaddrs()` (transports asked, thin-waist addresses expanded),
 * which was a tenth of a `GET /api/v0/cafe`. The node announces a change as
 * `self:peer:update`; the copy also expires after `maxAgeMs`, in case one goes unannounced.
 */
import type { Libp2pEvents, TypedEventTarget } from '@libp2p/interface'

export interface AddressSource extends Pick<TypedEventTarget<Libp2pEvents>, 'addEventListener'> {
  getMultiaddrs(): Array<{ toString(): string }>
}

export function listenAddresses (node: AddressSource, maxAgeMs = 1_000): () => string[] {
  let addresses: string[] | undefined
  let builtAt = 0
  node.addEventListener('self:peer:update', () => { addresses = undefined })
  return () => {
    const now = Date.now()
    if (addresses == null || now - builtAt > maxAgeMs) {
      addresses = node.getMultiaddrs().map(String)
      builtAt = now
    }
    // a copy: callers may keep or change what they get
    return addresses.slice()
  }
}
