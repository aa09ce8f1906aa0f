/**
 * Sessions kept in Web Storage (localStorage by default), under a prefix, so a page
 * finds its sessions again after a reload.
 */
import type { SessionStore, StoredSession } from './session-store.ts'

export class WebStorageSessionStore implements SessionStore {
  private readonly storage: Storage
  private readonly prefix: string

  constructor (storage: Storage = globalThis.localStorage, prefix = 'cafe-session:') {
    this.storage = storage
    this.prefix = prefix
  }

  async get (key: string): Promise<StoredSession | undefined> {
    const text = this.storage.getItem(this.prefix + key)
    if (text == null) return undefined
    try {
      return JSON.parse(text) as StoredSession
    } catch {
      this.storage.removeItem(this.prefix + key)
      return undefined
    }
  }

  async set (key: string, session: StoredSession): Promise<void> {
    this.storage.setItem(this.prefix + key, JSON.stringify(session))
  }

  async delete (key: string): Promise<void> {
    this.storage.removeItem(this.prefix + key)
  }
}
