/**
 * The cafe's errors as the client library throws them: the error a cafe service threw
 * is rebuilt from its wire form (`{ code, message }` and the status, on both doors) as
 * the same class, so `err.name` and `instanceof` work as they do inside the cafe.
 */
import {
  AbortedError, BadRequestError, CafeError, ConflictError, ForbiddenError, InvalidCIDError,
  MissingBlockError, NotFoundError, PayloadTooLargeError, QuotaExceededError, RateLimitedError,
  SessionExpiredError, StorageCorruptError, TimeoutError, UnauthorizedError, UnavailableError,
  isCafeErrorCode
} from '../core/errors.ts'
import { DecryptionError, RangeNotSatisfiableError } from '../core/crypto/errors.ts'
import { InvalidBlockError, NotAcceptableError, NotImplementedError } from '../core/gateway/errors.ts'
import type { CafeErrorCode } from '../core/errors.ts'

export {
  CAFE_ERROR_CODES, isCafeErrorCode, AbortedError, BadRequestError, CafeError, ConflictError, ForbiddenError,
  InvalidCIDError, MissingBlockError, NotFoundError, PayloadTooLargeError, QuotaExceededError, RateLimitedError,
  SessionExpiredError, StorageCorruptError, TimeoutError, UnauthorizedError, UnavailableError
} from '../core/errors.ts'
export type { CafeErrorCode, CafeErrorJSON } from '../core/errors.ts'
export { DecryptionError, RangeNotSatisfiableError } from '../core/crypto/errors.ts'
export type { DecryptionErrorCode } from '../core/crypto/errors.ts'
export { InvalidBlockError, NotAcceptableError, NotImplementedError } from '../core/gateway/errors.ts'

type Rebuild = (message: string, code: CafeErrorCode) => CafeError

/** Conditions with a class of their own. */
const BY_CODE: Partial<Record<CafeErrorCode, Rebuild>> = {
  QUOTA_EXCEEDED: message => new QuotaExceededError(message),
  CID_INVALID: message => new InvalidCIDError(message),
  BLOCK_MISSING: message => new MissingBlockError(message),
  SESSION_EXPIRED: message => new SessionExpiredError(message),
  STORAGE_CORRUPT: message => new StorageCorruptError(message),
  ABORTED: message => new AbortedError(message),
  BLOCK_INVALID: message => new InvalidBlockError(message),
  DECRYPTION_FAILED: (message, code) => new DecryptionError(message, code as 'DECRYPTION_FAILED'),
  TRUNCATED: (message, code) => new DecryptionError(message, code as 'TRUNCATED'),
  UNSUPPORTED_FORMAT: (message, code) => new DecryptionError(message, code as 'UNSUPPORTED_FORMAT')
}

/** Every other code: the class of its status. */
const BY_STATUS: Record<number, Rebuild> = {
  400: (message, code) => new BadRequestError(message, code),
  401: (message, code) => new UnauthorizedError(message, code),
  403: (message, code) => new ForbiddenError(message, code),
  404: (message, code) => new NotFoundError(message, code),
  406: (message, code) => new NotAcceptableError(message, code),
  409: (message, code) => new ConflictError(message, code),
  413: (message, code) => new PayloadTooLargeError(message, code),
  416: (message, code) => new RangeNotSatisfiableError(message, code),
  501: (message, code) => new NotImplementedError(message, code),
  503: (message, code) => new UnavailableError(message, code),
  504: (message, code) => new TimeoutError(message, code)
}

/**
 * Rebuilds the cafe's error from its wire form. A code this client does not know (a newer
 * cafe's) keeps its text in `code` and gets the class of its status.
 */
export function cafeErrorFrom (error: { code?: unknown, message?: unknown } | undefined, status: number, retryAfter?: number): CafeError {
  const code = (typeof error?.code === 'string' ? error.code : 'RESPONSE_INVALID') as CafeErrorCode
  const message = typeof error?.message === 'string' ? error.message : `the cafe answered ${status}`
  if (status === 429) return new RateLimitedError(message, retryAfter ?? 60, code)
  const rebuild = (isCafeErrorCode(code) ? BY_CODE[code] : undefined) ?? BY_STATUS[status]
  const rebuilt = rebuild?.(message, code)
  return rebuilt?.status === status ? rebuilt : new CafeError(message, code, status)
}
