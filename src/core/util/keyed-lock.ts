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

/** The same lock as a function, for services that keep one per store: `lock(key, task)`. */
export type KeyedMutex = <T>(key: string, task: () => Promise<T>) => Promise<T>

export function createKeyedMutex (): KeyedMutex {
  const lock = new KeyedLock()
  return async (key, task) => lock.run(key, task)
}
