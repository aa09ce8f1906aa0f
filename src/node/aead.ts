/**
 * AES-256-GCM opening with node:crypto, for the crypto core's `Aead` (src/core/crypto/aead.ts).
 * OpenSSL opens a 64 KiB segment on the calling thread in about the time WebCrypto's call
 * alone costs in Node (its job object, algorithm normalization, a threadpool hop and a
 * promise: about 45 µs per segment), and without copying the plaintext out again. As with
 * WebCrypto, nothing is returned before the tag verifies.
 */
import { createDecipheriv, createSecretKey } from 'node:crypto'
import { DecryptionError } from '../core/crypto/index.ts'
import type { Aead } from '../core/crypto/index.ts'

const TAG_BYTES = 16

export const nodeAead: Aead = {
  async openingKey (key) {
    const secret = createSecretKey(key)
    return {
      open (nonce, sealed, aad) {
        if (sealed.length < TAG_BYTES) throw new DecryptionError('authentication failed')
        const decipher = createDecipheriv('aes-256-gcm', secret, nonce, { authTagLength: TAG_BYTES })
        if (aad != null) decipher.setAAD(aad)
        decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
        const plaintext = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES))
        try {
          decipher.final()
        } catch {
          throw new DecryptionError('authentication failed')
        }
        // a plain Uint8Array: a Buffer's slice() would not copy
        return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength)
      }
    }
  }
}
