/**
 * Runs tasks one at a time per key (an account), so a check-then-write such as a quota
 * check and the store that follows cannot interleave with another for the same key.
 */
export type KeyedMutex = <T>(key: string, task: () => Promise<T>) => Promise<T>

export function createKeyedMutex (): KeyedMutex {
  const tails = new Map<string, Promise<void>>()

  return async (key, task) => {
    const previous = tails.get(key) ?? Promise.resolve()
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    const tail = previous.then(async () => gate)
    tails.set(key, tail)
    await previous
    try {
      return await task()
    } finally {
      release()
      if (tails.get(key) === tail) tails.delete(key)
    }
  }
}
