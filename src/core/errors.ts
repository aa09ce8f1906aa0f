/**
 * Errors every cafe service throws. Each carries a stable `code` from one union
 * (`CafeErrorCode`, as jose's `ERR_*` codes: a misspelled or second spelling does not
 * compile) and the HTTP status it maps to; over libp2p the same `{ code, message, status }`
 * travels in the error frame, and the client library rebuilds the same class from it
 * (src/client/errors.ts), so callers test `err.code` or `err.name` on both doors.
 *
 * Spelling: a malformed or failed input is `<SUBJECT>_INVALID`, a missing one
 * `<SUBJECT>_MISSING`, an unknown one `<SUBJECT>_NOT_FOUND`; what the cafe does not
 * handle is `UNSUPPORTED_<WHAT>`. The Pinning Service API's failure reasons
 * (`BAD_REQUEST`, `NOT_FOUND`, `UNAVAILABLE`, `INSUFFICIENT_FUNDS`,
 * `INTERNAL_SERVER_ERROR`) keep the spec's spelling. docs/API.md lists every code
 * (test/docs/api-doc.spec.ts checks it against this list).
 */
export const CAFE_ERROR_CODES = [
  // generic, one per status
  'BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'METHOD_NOT_ALLOWED', 'NOT_ACCEPTABLE',
  'CONFLICT', 'NOT_CACHED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'RANGE_NOT_SATISFIABLE',
  'RATE_LIMITED', 'HEADERS_TOO_LARGE', 'ABORTED', 'INTERNAL', 'NOT_IMPLEMENTED', 'UNAVAILABLE', 'TIMEOUT',
  // Pinning Service API failure reasons (spec spelling)
  'INSUFFICIENT_FUNDS', 'INTERNAL_SERVER_ERROR',
  // the doors
  'INPUT_INVALID', 'JSON_INVALID', 'BODY_MISSING', 'FRAME_INVALID', 'METHOD_INVALID', 'MESSAGE_TOO_LARGE',
  'REQUEST_TIMEOUT', 'STREAM_TIMEOUT', 'OWNER_SECRET_INVALID', 'TOO_MANY_FAILURES', 'STORAGE_CORRUPT',
  'CONFIG_INVALID',
  // accounts
  'ACCOUNT_INVALID', 'ACCOUNT_NOT_FOUND', 'ACCOUNT_NOT_REGISTERED', 'QUOTA_INVALID', 'QUOTA_EXCEEDED',
  'REMOVE_FAILED', 'SIGNATURE_INVALID', 'TOKEN_REQUIRED', 'TOKEN_NOT_FOUND', 'TOKEN_INVALID',
  'TOKEN_EXPIRED', 'TOKEN_USED_UP', 'CHALLENGE_INVALID', 'CHALLENGE_EXPIRED', 'CHALLENGE_FOREIGN',
  'SESSION_MISSING', 'SESSION_INVALID', 'SESSION_EXPIRED', 'SESSION_REVOKED', 'REFRESH_REUSED',
  // pinning and snapshots
  'CID_INVALID', 'CAR_INVALID', 'CAR_TRUNCATED', 'BLOCK_MISMATCH', 'BLOCK_MISSING', 'UNSUPPORTED_HASH',
  'UNSUPPORTED_CODEC', 'PINNING_UNAVAILABLE', 'THREAD_ID_INVALID', 'SNAPSHOT_TOO_LARGE', 'HEAD_NOT_PINNED',
  'SNAPSHOT_UNREADABLE',
  // inbox and directory
  'ENVELOPE_INVALID', 'ENVELOPE_EXPIRED', 'RECIPIENT_NOT_FOUND', 'RECIPIENT_MISMATCH', 'UNSUPPORTED_KEY',
  'CURSOR_INVALID', 'LIMIT_INVALID', 'IDS_INVALID', 'ID_INVALID', 'MESSAGE_NOT_FOUND', 'CONTACT_INVALID',
  'CONTACT_FOREIGN', 'CONTACT_STALE', 'CONTACT_NOT_FOUND', 'QUERY_INVALID',
  // names (IPNS records) and delegated routing
  'IPNS_NAME_INVALID', 'RECORD_INVALID', 'RECORD_SIGNATURE_INVALID', 'RECORD_EXPIRED', 'RECORD_STALE',
  'RECORD_TOO_LARGE', 'NAME_FOREIGN', 'NAME_NOT_FOUND', 'NAME_KEYS_FULL',
  // library
  'PATH_INVALID', 'NAME_INVALID', 'SIZE_INVALID',
  // gateway
  'PATH_TOO_DEEP', 'PATH_NOT_FOUND', 'PATH_NOT_A_LINK', 'UNSUPPORTED_FORMAT', 'UNSUPPORTED_CAR_VERSION',
  'UNSUPPORTED_CAR_ORDER', 'UNSUPPORTED_CAR_DUPS', 'UNSUPPORTED_DAG_SCOPE', 'ENTITY_BYTES_INVALID',
  'ENTITY_BYTES_OUTSIDE', 'RANGE_INVALID', 'CODEC_MISMATCH', 'NOT_JSON', 'NOT_UNIXFS', 'NOT_A_FILE',
  'KEY_WITH_FORMAT', 'BLOCK_INVALID', 'BLOCK_UNAVAILABLE', 'BLOCK_NOT_FOUND', 'SERVICE_WORKER_REFUSED',
  // encryption
  'KEY_INVALID', 'SALT_INVALID', 'SEGMENT_SIZE_INVALID', 'PLAINTEXT_TOO_LONG', 'DECRYPTION_FAILED',
  'TRUNCATED', 'LEGACY_FILE_TOO_LARGE',
  // cafe addresses
  'CAFE_ADDRESS_INVALID', 'CAFE_ADDRESS_PREFIX', 'CAFE_ADDRESS_ENCODING', 'CAFE_ADDRESS_VERSION',
  'CAFE_ADDRESS_MULTIADDR', 'CAFE_ADDRESS_NO_MULTIADDRS', 'CAFE_ADDRESS_TOO_LONG', 'CAFE_ADDRESS_PEER_MISMATCH',
  // client library and browser runtime
  'RESPONSE_INVALID', 'UNSUPPORTED_PUSH', 'CAFE_UNREACHABLE', 'INBOX_ADDRESS_INVALID', 'LIBP2P_REQUIRED',
  'CAFE_NOT_RUNNING', 'CAFE_TIMEOUT', 'CAFE_FAILED', 'RELAY_TIMEOUT', 'RELAY_ADDRESS_INVALID', 'WEBRTC_NO_HOST'
] as const

export type CafeErrorCode = typeof CAFE_ERROR_CODES[number]

const KNOWN_CODES: ReadonlySet<string> = new Set(CAFE_ERROR_CODES)

export function isCafeErrorCode (value: unknown): value is CafeErrorCode {
  return typeof value === 'string' && KNOWN_CODES.has(value)
}

export interface CafeErrorJSON {
  code: CafeErrorCode
  message: string
}

export class CafeError extends Error {
  static override name = 'CafeError'
  override name = 'CafeError'
  readonly code: CafeErrorCode
  readonly status: number

  constructor (message: string, code: CafeErrorCode = 'INTERNAL', status = 500) {
    super(message)
    this.code = code
    this.status = status
  }

  toJSON (): CafeErrorJSON {
    return { code: this.code, message: this.message }
  }
}

/** 400: the input is malformed or fails validation. */
export class BadRequestError extends CafeError {
  static override name = 'BadRequestError'
  override name = 'BadRequestError'
  constructor (message: string, code: CafeErrorCode = 'BAD_REQUEST') { super(message, code, 400) }
}

/** 400 `CID_INVALID`: a CID that does not parse. */
export class InvalidCIDError extends BadRequestError {
  static override name = 'InvalidCIDError'
  override name = 'InvalidCIDError'
  constructor (message: string) { super(message, 'CID_INVALID') }
}

/**
 * `BLOCK_MISSING`: a block of a DAG is not in the local store. Walks throw it, callers
 * that expect incomplete DAGs catch it by class; one that escapes is a 400 (the client
 * named a DAG this cafe does not hold whole).
 */
export class MissingBlockError extends BadRequestError {
  static override name = 'MissingBlockError'
  override name = 'MissingBlockError'
  constructor (message: string) { super(message, 'BLOCK_MISSING') }
}

/** 401: no credentials, or credentials that are invalid, expired or revoked. */
export class UnauthorizedError extends CafeError {
  static override name = 'UnauthorizedError'
  override name = 'UnauthorizedError'
  constructor (message: string, code: CafeErrorCode = 'UNAUTHORIZED') { super(message, code, 401) }
}

/** 401 `SESSION_EXPIRED`: refresh the session and try again. */
export class SessionExpiredError extends UnauthorizedError {
  static override name = 'SessionExpiredError'
  override name = 'SessionExpiredError'
  constructor (message = 'the session has expired') { super(message, 'SESSION_EXPIRED') }
}

/** 403: valid credentials that do not allow this operation. */
export class ForbiddenError extends CafeError {
  static override name = 'ForbiddenError'
  override name = 'ForbiddenError'
  constructor (message: string, code: CafeErrorCode = 'FORBIDDEN') { super(message, code, 403) }
}

/** 404: no such record (also used for another account's records, so ids do not leak). */
export class NotFoundError extends CafeError {
  static override name = 'NotFoundError'
  override name = 'NotFoundError'
  constructor (message: string, code: CafeErrorCode = 'NOT_FOUND') { super(message, code, 404) }
}

/** 409: the request conflicts with the stored state (duplicate, stale version). */
export class ConflictError extends CafeError {
  static override name = 'ConflictError'
  override name = 'ConflictError'
  constructor (message: string, code: CafeErrorCode = 'CONFLICT') { super(message, code, 409) }
}

/** 413: a body or a quota limit would be exceeded. */
export class PayloadTooLargeError extends CafeError {
  static override name = 'PayloadTooLargeError'
  override name = 'PayloadTooLargeError'
  constructor (message: string, code: CafeErrorCode = 'PAYLOAD_TOO_LARGE') { super(message, code, 413) }
}

/** 413 `QUOTA_EXCEEDED`: the account's quota (storage, inbox) has no room for this. */
export class QuotaExceededError extends PayloadTooLargeError {
  static override name = 'QuotaExceededError'
  override name = 'QuotaExceededError'
  constructor (message: string) { super(message, 'QUOTA_EXCEEDED') }
}

/** 429: too many requests from one peer or client. */
export class RateLimitedError extends CafeError {
  static override name = 'RateLimitedError'
  override name = 'RateLimitedError'
  readonly retryAfterSeconds: number
  constructor (message: string, retryAfterSeconds = 60, code: CafeErrorCode = 'RATE_LIMITED') {
    super(message, code, 429)
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/** 499 `ABORTED`: the caller went away (its signal aborted); nobody is told, nothing is logged. */
export class AbortedError extends CafeError {
  static override name = 'AbortedError'
  override name = 'AbortedError'
  constructor (message = 'the request was aborted') { super(message, 'ABORTED', 499) }
}

/** 500 `STORAGE_CORRUPT`: a stored record or block is unreadable; a fault of the cafe, not of the input. */
export class StorageCorruptError extends CafeError {
  static override name = 'StorageCorruptError'
  override name = 'StorageCorruptError'
  constructor (message: string) { super(message, 'STORAGE_CORRUPT', 500) }
}

/** 503: the cafe (or the part of it this needs) is not running. */
export class UnavailableError extends CafeError {
  static override name = 'UnavailableError'
  override name = 'UnavailableError'
  constructor (message: string, code: CafeErrorCode = 'UNAVAILABLE') { super(message, code, 503) }
}

/** 504: the network did not answer in time. */
export class TimeoutError extends CafeError {
  static override name = 'TimeoutError'
  override name = 'TimeoutError'
  constructor (message: string, code: CafeErrorCode = 'TIMEOUT') { super(message, code, 504) }
}

/**
 * Any thrown value as a CafeError; unknown errors become a 500 without leaking internals.
 * An abort (the caller's signal) is a 499 `ABORTED`, a `TimeoutError` DOMException (the reason
 * of `AbortSignal.timeout(...)`) a 504 `TIMEOUT`: neither is a fault of the cafe.
 */
export function toCafeError (err: unknown): CafeError {
  if (err instanceof CafeError) return err
  const name = err != null && typeof err === 'object' && 'name' in err ? (err as Error).name : undefined
  if (name === 'AbortError') return new AbortedError()
  if (name === 'TimeoutError') return new TimeoutError('the operation timed out')
  return new CafeError('internal error', 'INTERNAL', 500)
}

/** True for an error that only says the caller went away: answer it if you can, but do not log it as a fault. */
export function isAbort (err: unknown): boolean {
  return err instanceof AbortedError || (err != null && typeof err === 'object' && (err as Error).name === 'AbortError')
}
