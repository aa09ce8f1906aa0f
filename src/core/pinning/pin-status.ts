/**
 * The Pinning Service API 1.0 objects (Pin, PinStatus, list query and results) and the
 * record the cafe stores for each pin request.
 */
import type { ReplicaStatus } from './replication.ts'
import type { AccountId } from '../types.ts'

export type PinState = 'queued' | 'pinning' | 'pinned' | 'failed'
export const PIN_STATES: readonly PinState[] = ['queued', 'pinning', 'pinned', 'failed']

export type TextMatch = 'exact' | 'iexact' | 'partial' | 'ipartial'
export const TEXT_MATCHES: readonly TextMatch[] = ['exact', 'iexact', 'partial', 'ipartial']

/** What a client asks to pin (the spec's Pin object). */
export interface Pin {
  cid: string
  name?: string
  origins?: string[]
  meta?: Record<string, string>
}

/** The spec's PinStatus object. */
export interface PinStatus {
  requestid: string
  status: PinState
  /** ISO 8601 */
  created: string
  pin: Pin
  /** multiaddrs of this cafe, for clients to connect to while the pin is fetched */
  delegates: string[]
  info: PinInfo
}

/**
 * `PinStatus.info`: `dag_size` when pinned, `reason` and `status_details` when failed, and
 * `replicas` on a pinned request when the cafe replicates to remote services. The spec's
 * info holds strings only, so under /api/v0/pinning `replicas` is that list as JSON text.
 */
export interface PinInfo {
  [key: string]: string | ReplicaStatus[] | undefined
  replicas?: ReplicaStatus[]
}

export interface PinQuery {
  /** at most 10 */
  cid?: string[]
  name?: string
  /** how `name` matches; default exact */
  match?: TextMatch
  /** default ['pinned'], as the spec says */
  status?: PinState[]
  /** only pins created strictly before this time (ms since the epoch) */
  before?: number
  /** only pins created strictly after this time (ms since the epoch) */
  after?: number
  /** default 10, 1..1000 */
  limit?: number
  /** pins whose meta has all these key/value pairs */
  meta?: Record<string, string>
}

export interface PinResults {
  /** how many pins match, regardless of limit */
  count: number
  /** newest first */
  results: PinStatus[]
}

/** What the datastore keeps per pin request. */
export interface PinRecord {
  requestid: string
  account: AccountId
  /** canonical CID string as the client gave it (v0 stays v0) */
  cid: string
  name?: string
  origins: string[]
  meta?: Record<string, string>
  status: PinState
  /** ms since the epoch */
  created: number
  /** DAG bytes, once pinned */
  size?: number
  /** why it failed */
  failure?: { reason: string, details: string }
  /** the pin this request replaces; released when this one settles */
  replaces?: { requestid: string, cid: string }
}
