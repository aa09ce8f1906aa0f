/**
 * The libp2p door's wire format, shared by the cafe and the client: one stream
 * carries one request frame and one response frame, each a varint
 * length-prefixed JSON document.
 */
import type { CafeErrorJSON } from '../errors.ts'

export const CAFE_PROTOCOL = '/cafe/api/1.0.0'

/** largest frame either side accepts */
export const MAX_MESSAGE_BYTES = 1024 * 1024

export interface RequestFrame {
  op: string
  /** an access JWT, or the refresh JWT for 'sessions.refresh' */
  auth?: string
  input?: unknown
}

export type ResponseFrame =
  | { ok: true, output: unknown }
  | { ok: false, error: CafeErrorJSON & { status: number, retryAfter?: number } }

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodeFrame (frame: RequestFrame | ResponseFrame): Uint8Array {
  return encoder.encode(JSON.stringify(frame))
}

/** Parses JSON, or returns undefined for bytes that are not. */
export function decodeJson (bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes))
  } catch {
    return undefined
  }
}
