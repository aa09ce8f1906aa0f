/**
 * A route: one entry of the cafe's operation table, served by both doors. The
 * libp2p door finds it by `op`, the HTTP door by `method` + `path`; the auth
 * rule and the body limit travel with it, so a reader finds all of it in one
 * place.
 */
import type { AccountId } from '../types.ts'

/**
 * - none: anyone
 * - access: a valid access JWT; the handler gets its account
 * - refresh: a refresh JWT, handed to the handler to check and rotate
 * - owner: the cafe's owner (owner secret over HTTP, or the console's channel); hidden otherwise
 */
export type AuthRule = 'none' | 'access' | 'refresh' | 'owner'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'

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
  /** checks and shapes the input (path params, query and body merged); throws BadRequestError */
  input (raw: Record<string, unknown>): I
  handler (context: RouteContext<S, I, A>): Promise<O>
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024

/** Declares a route with its context typed from its auth rule. */
export function defineRoute<S, I, O, A extends AuthRule> (route: Route<S, I, O, A>): Route<S, I, O, A> {
  return route
}
