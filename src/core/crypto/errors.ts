import { CafeError } from '../errors.ts'
import type { CafeErrorCode } from '../errors.ts'

export type DecryptionErrorCode = Extract<CafeErrorCode, 'DECRYPTION_FAILED' | 'TRUNCATED' | 'UNSUPPORTED_FORMAT'>

/**
 * 422: the key and the ciphertext do not go together (wrong key, tampered or truncated
 * file, unknown format). The request itself was well formed; a malformed key is a 400.
 */
export class DecryptionError extends CafeError {
  static override name = 'DecryptionError'
  override name = 'DecryptionError'
  declare readonly code: DecryptionErrorCode
  constructor (message: string, code: DecryptionErrorCode = 'DECRYPTION_FAILED') { super(message, code, 422) }
}

/** 416: a plaintext range outside the file. */
export class RangeNotSatisfiableError extends CafeError {
  static override name = 'RangeNotSatisfiableError'
  override name = 'RangeNotSatisfiableError'
  constructor (message: string, code: CafeErrorCode = 'RANGE_NOT_SATISFIABLE') { super(message, code, 416) }
}
