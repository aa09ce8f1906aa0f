/**
 * Serialises async work per key (a CID, an account) inside one process; work on
 * different keys runs concurrently.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>()

  async run <T> (key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    const { promise: done, resolve } = Promise.withResolvers<void>()
    const tail = previous.then(async () => done)
    this.tails.set(key, tail)
    try {
      await previous
      return await fn()
    } finally {
      resolve()
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
  }
}

/** A multiset of keys: what in-flight work is using right now. */
export class InUse {
  private readonly counts = new Map<string, number>()

  add (key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
  }

  release (key: string): void {
    const count = (this.counts.get(key) ?? 0) - 1
    if (count <= 0) this.counts.delete(key)
    else this.counts.set(key, count)
  }

  has (key: string): boolean {
    return this.counts.has(key)
  }
}
