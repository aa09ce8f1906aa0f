/**
 * Small interfaces the cafe services share. Services receive what they need as one
 * `components` object (as Helia and libp2p components do), typed against these.
 */
import type { AbortOptions, ComponentLogger } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'

export type { AbortOptions, ComponentLogger } from '@libp2p/interface'

/** An account is named by its libp2p peer id string (`12D3Koo...`). */
export type AccountId = string

/** Per-account limits. Backup and inbox enforce them; accounts store them. */
export interface Quota {
  /** bytes of pinned DAGs plus snapshots */
  storageBytes: number
  /** messages waiting in the inbox */
  inboxMessages: number
  /** bytes of messages waiting in the inbox */
  inboxBytes: number
}

/** Who is registered here, and their quota. Implemented by the accounts service. */
export interface AccountDirectory {
  isRegistered (account: AccountId, options?: AbortOptions): Promise<boolean>
  quotaOf (account: AccountId, options?: AbortOptions): Promise<Quota>
}

/** A service that keeps per-account data; deregistration calls this on each. */
export interface AccountDataOwner {
  /** delete everything stored for the account */
  removeAccount (account: AccountId, options?: AbortOptions): Promise<void>
  /** what the account uses now, for the console */
  usageOf (account: AccountId, options?: AbortOptions): Promise<Record<string, number>>
}

/** A clock, injectable so tests can move time. Milliseconds since the epoch. */
export type Clock = () => number

export interface BaseComponents {
  datastore: Datastore
  logger: ComponentLogger
  clock?: Clock
}
