/**
 * How a CafeClient reaches one cafe. A transport sends one operation and
 * returns its output, or throws a CafeError carrying the cafe's code and status.
 */
import { CafeError, RateLimitedError } from '../core/errors.ts'
import type { AbortOptions } from '../core/types.ts'

export interface CafeTransport {
  /** the cafe's peer id, when the transport knows it (a libp2p dial does) */
  readonly cafe?: string
  request (op: string, input: unknown, auth: string | undefined, options?: AbortOptions): Promise<unknown>
}

/** Rebuilds the cafe's error from its wire form. */
export function cafeErrorFrom (error: { code?: unknown, message?: unknown } | undefined, status: number, retryAfter?: number): CafeError {
  const code = typeof error?.code === 'string' ? error.code : 'UNKNOWN'
  const message = typeof error?.message === 'string' ? error.message : `the cafe answered ${status}`
  if (status === 429) return new RateLimitedError(message, retryAfter ?? 60, code)
  return new CafeError(message, code, status)
}
