/**
 * The line that says which cafe a console drives. A browser can run two: the cafe of a
 * site (a SharedWorker of that site's origin, alive while one of its pages is open) and
 * the extension's (its offscreen document, alive with no tab open). They are separate
 * peers with separate keys and stores (docs/ARCHITECTURE.md, "One cafe or two").
 */
export type CafeKind = 'site' | 'extension'

/** `12D3KooW…abcd`: enough to tell two peers apart at a glance. */
export function shortPeerId (peerId: string): string {
  return peerId.length > 16 ? `${peerId.slice(0, 8)}…${peerId.slice(-4)}` : peerId
}

export function whichCafe (kind: CafeKind, peerId: string, origin: string): string {
  return kind === 'extension'
    ? `The extension's cafe, peer ${shortPeerId(peerId)}: it runs with no tab open, apart from any site's cafe`
    : `This site's cafe (${origin}), peer ${shortPeerId(peerId)}: it runs while a page of this site is open; the extension, if installed, runs another`
}
