/**
 * The bytes an account signs to answer a challenge. Naming the cafe makes a
 * signature for one cafe useless at another; the prefix keeps it from meaning
 * anything outside this protocol.
 */
export function challengeMessage (cafe: string, nonce: string): Uint8Array {
  return new TextEncoder().encode(`browser-cafe session v1\ncafe: ${cafe}\nnonce: ${nonce}`)
}
