/**
 * The cafe's registry entries. A route is one operation served by both doors: the
 * libp2p door finds it by `op`, the HTTP door by `method` + `path` (and `alsoAt`); a
 * stream route is an operation whose request is a byte stream or a lasting
 * subscription (its own libp2p protocol, and for uploads an HTTP body). Each entry
 * declares its auth rule, its body or stream limits, its rate-limit bucket and how
 * its errors are shaped, so a reader finds all of it in one place.
 */
import type { AccountId } from '../types.ts'
import type { Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'

/**
 * - none: anyone
 * - access: a valid access JWT; the handler gets its account
 * - refresh: a refresh JWT, handed to the handler to check and rotate
 * - owner: the cafe's owner (owner secret over HTTP, or the console's channel); hidden otherwise
 */
export type AuthRule = 'none' | 'access' | 'refresh' | 'owner'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'

/**
 * The rate-limit buckets every door shares, per remote (and per remote address where
 * the door knows it):
 * - requests: one operation (default a burst of 60, then 20 a second)
 * - streams: one upload or subscription (default a burst of 10, then 1 a second)
 */
export type RateBucket = 'requests' | 'streams'

/**
 * How a route's HTTP errors look:
 * - cafe: `{ error: { code, message } }`
 * - pinning-spec: the Pinning Service API's Failure `{ error: { reason, details } }`,
 *   running out of storage as its 409 INSUFFICIENT_FUNDS
 * - pinning-failure: the Failure shape for the cafe's own additions to that API (413 kept)
 */
export type ErrorShape = 'cafe' | 'pinning-spec' | 'pinning-failure'

/** A second URL that serves the same route, for another API's clients. */
export interface RouteMount {
  path: string
  errors: ErrorShape
  /** the success status there, when it differs (the spec answers DELETE with 202) */
  status?: number
  /** the success body there, when it differs (the spec's `info` holds strings only) */
  output?(output: unknown): unknown
}

export interface RouteContext<S, I, A extends AuthRule = AuthRule> {
  services: S
  input: I
  /** the account of the access token; only on 'access' routes */
  account: A extends 'access' ? AccountId : undefined
  /** the bearer credential as sent (the refresh JWT on 'refresh' routes) */
  credential: string | undefined
  /** who is asking (remote peer id, client id), for rate limits */
  remote: string
  /** where it asks from, when the door knows (libp2p): failure limits count it too */
  remoteAddress?: string
  signal?: AbortSignal
}

export interface Route<S = any, I = any, O = any, A extends AuthRule = AuthRule> {
  /** operation name on the libp2p door, e.g. 'sessions.challenge' */
  op: string
  method: HttpMethod
  /** path pattern; `:name` segments become input fields */
  path: string
  auth: A
  /** one line for docs and logs */
  summary: string
  /** largest accepted request body in bytes; default 16 KiB */
  maxBodyBytes?: number
  /** HTTP status on success; default 200, or 204 when the handler returns nothing */
  status?: number
  /** default 'requests' */
  rateLimit?: RateBucket
  /** default 'cafe' */
  errors?: ErrorShape
  /** the same route at another path (e.g. under the Pinning Service API's mount) */
  alsoAt?: RouteMount
  /** checks and shapes the input (path params, query and body merged); throws BadRequestError */
  input (raw: Record<string, unknown>): I
  handler (context: RouteContext<S, I, A>): Promise<O>
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024

/** Declares a route with its context typed from its auth rule. */
export function defineRoute<S, I, O, A extends AuthRule> (route: Route<S, I, O, A>): Route<S, I, O, A> {
  return route
}

/** What a stream route's handler gets beside a route's context. */
export interface StreamContext<S, I> extends RouteContext<S, I, 'access'> {
  /** the upload's bytes: the HTTP body, or the frames after the request frame on libp2p */
  body: AsyncIterable<Uint8Array>
  /** the byte count the caller declared (HTTP Content-Length), when it did */
  declaredSize?: number
  /** when the caller's access token expires (ms since the epoch) */
  expiresAt: number
  /** the libp2p stream and its framing, on the libp2p door only */
  link?: { stream: Stream, frames: LengthPrefixedStream<any> }
}

/** Returned by a stream handler that keeps the stream open (a subscription) and answers itself. */
export const KEEP_OPEN = Symbol('keep-open')

/**
 * A stream route: its own libp2p protocol (`/cafe/car/1.0.0`) whose first frame is
 * `{ auth, input }`, and optionally an HTTP route whose body is the stream. The door
 * applies the bucket, reads the request frame and authenticates; the handler reads the
 * rest and returns the one answer, or KEEP_OPEN.
 */
export interface StreamRoute<S = any, I = any, O = any> {
  op: string
  protocol: string
  auth: 'access'
  summary: string
  rateLimit: RateBucket
  /** streams of this protocol open at once per connection */
  maxInboundStreams: number
  /** the whole exchange (for a subscription, its handshake), in ms */
  timeoutMs: number
  /**
   * the HTTP route whose request body is the stream, if any; over HTTP an upload is one
   * request, so it takes a token of its own bucket (default 'requests')
   */
  http?: { method: HttpMethod, path: string, errors?: ErrorShape, contentType: string, rateLimit?: RateBucket }
  input (raw: Record<string, unknown>): I
  handler (context: StreamContext<S, I>): Promise<O | typeof KEEP_OPEN>
}

/** Declares a stream route. */
export function defineStreamRoute<S, I, O> (route: StreamRoute<S, I, O>): StreamRoute<S, I, O> {
  return route
}

/** What an HTTP codec gets from the door: the registry's routes, run with the door's rules. */
export interface HttpCodecDoor {
  /** runs a route as the HTTP door does (bucket, authentication, input checks); throws CafeError */
  call (op: string, input: Record<string, unknown>, auth?: string): Promise<unknown>
  signal?: AbortSignal
}

/**
 * An HTTP API with a wire format of its own (binary bodies, content negotiation) under a
 * path prefix: it parses the request, calls registry routes through `door.call` and writes
 * the answer, so its operations are the same routes the libp2p door serves.
 */
export interface HttpCodec {
  /** e.g. '/routing/v1' */
  prefix: string
  summary: string
  /** never throws: every failure is an answer */
  fetch (request: Request, door: HttpCodecDoor): Promise<Response>
}
