/**
 * Errors every cafe service throws. Each carries a stable `code` a client can act on
 * and the HTTP status it maps to; over libp2p the same `{ code, message }` travels in
 * the error frame, so callers test `err.code` (or `err.name`) on both doors.
 */
export interface CafeErrorJSON {
  code: string
  message: string
}

export class CafeError extends Error {
  static override name = 'CafeError'
  override name = 'CafeError'
  readonly code: string
  readonly status: number

  constructor (message: string, code = 'INTERNAL', status = 500) {
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
  constructor (message: string, code = 'BAD_REQUEST') { super(message, code, 400) }
}

/** 401: no credentials, or credentials that are invalid, expired or revoked. */
export class UnauthorizedError extends CafeError {
  static override name = 'UnauthorizedError'
  override name = 'UnauthorizedError'
  constructor (message: string, code = 'UNAUTHORIZED') { super(message, code, 401) }
}

/** 403: valid credentials that do not allow this operation. */
export class ForbiddenError extends CafeError {
  static override name = 'ForbiddenError'
  override name = 'ForbiddenError'
  constructor (message: string, code = 'FORBIDDEN') { super(message, code, 403) }
}

/** 404: no such record (also used for another account's records, so ids do not leak). */
export class NotFoundError extends CafeError {
  static override name = 'NotFoundError'
  override name = 'NotFoundError'
  constructor (message: string, code = 'NOT_FOUND') { super(message, code, 404) }
}

/** 409: the request conflicts with the stored state (duplicate, stale version). */
export class ConflictError extends CafeError {
  static override name = 'ConflictError'
  override name = 'ConflictError'
  constructor (message: string, code = 'CONFLICT') { super(message, code, 409) }
}

/** 413: a body or a quota limit would be exceeded. */
export class PayloadTooLargeError extends CafeError {
  static override name = 'PayloadTooLargeError'
  override name = 'PayloadTooLargeError'
  constructor (message: string, code = 'PAYLOAD_TOO_LARGE') { super(message, code, 413) }
}

/** 429: too many requests from one peer or client. */
export class RateLimitedError extends CafeError {
  static override name = 'RateLimitedError'
  override name = 'RateLimitedError'
  readonly retryAfterSeconds: number
  constructor (message: string, retryAfterSeconds = 60, code = 'RATE_LIMITED') {
    super(message, code, 429)
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/** 503: the cafe (or the part of it this needs) is not running. */
export class UnavailableError extends CafeError {
  static override name = 'UnavailableError'
  override name = 'UnavailableError'
  constructor (message: string, code = 'UNAVAILABLE') { super(message, code, 503) }
}

/** 504: the network did not answer in time. */
export class TimeoutError extends CafeError {
  static override name = 'TimeoutError'
  override name = 'TimeoutError'
  constructor (message: string, code = 'TIMEOUT') { super(message, code, 504) }
}

/** Any thrown value as a CafeError; unknown errors become a 500 without leaking internals. */
export function toCafeError (err: unknown): CafeError {
  if (err instanceof CafeError) return err
  if (err != null && typeof err === 'object' && 'name' in err && (err as Error).name === 'AbortError') {
    return new CafeError('the request was aborted', 'ABORTED', 499)
  }
  return new CafeError('internal error', 'INTERNAL', 500)
}
