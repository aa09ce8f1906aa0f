/**
 * Where a CafeClient keeps its sessions: the app decides (IndexedDB,
 * localStorage, a file). Keys name the cafe and the account.
 */
export interface StoredSession {
  cafe: string
  account: string
  accessToken: string
  refreshToken: string
  /** ms since the epoch */
  accessExpiresAt: number
  refreshExpiresAt: number
}

export interface SessionStore {
  get (key: string): Promise<StoredSession | undefined>
  set (key: string, session: StoredSession): Promise<void>
  delete (key: string): Promise<void>
}

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, StoredSession>()

  async get (key: string): Promise<StoredSession | undefined> {
    return this.sessions.get(key)
  }

  async set (key: string, session: StoredSession): Promise<void> {
    this.sessions.set(key, session)
  }

  async delete (key: string): Promise<void> {
    this.sessions.delete(key)
  }
}
