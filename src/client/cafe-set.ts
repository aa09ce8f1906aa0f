/**
 * One account registered with several cafes: a CafeClient per cafe, sharing
 * the account key and the session store.
 */
import { CafeClient } from './cafe-client.ts'
import { MemorySessionStore } from './session-store.ts'
import type { CafeTransport } from './transport.ts'
import type { SessionStore } from './session-store.ts'
import type { Clock } from '../core/types.ts'
import type { PrivateKey } from '@libp2p/interface'

export interface CafeSetInit {
  privateKey: PrivateKey
  store?: SessionStore
  clock?: Clock
}

export class CafeSet {
  private readonly init: CafeSetInit & { store: SessionStore }
  private readonly clients = new Map<string, CafeClient>()

  constructor (init: CafeSetInit) {
    this.init = { ...init, store: init.store ?? new MemorySessionStore() }
  }

  /** Adds (or replaces) the cafe known to the app as `name`. */
  add (name: string, transport: CafeTransport, cafe?: string): CafeClient {
    const client = new CafeClient({ ...this.init, transport, cafe })
    this.clients.set(name, client)
    return client
  }

  get (name: string): CafeClient | undefined {
    return this.clients.get(name)
  }

  /** Drops a cafe from the set (after `deregister()`, when migrating). */
  remove (name: string): boolean {
    return this.clients.delete(name)
  }

  entries (): Array<[string, CafeClient]> {
    return [...this.clients]
  }
}
