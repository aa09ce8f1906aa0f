/**
 * Serialises async work per key (a CID, an account) inside one process; work on
 * different keys runs concurrently.
 */
import type { AbortOptions } from '../types.ts'

/** Resolves with `promise`, or rejects with the signal's reason once it aborts. */
async function untilAborted (promise: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (signal == null) return promise
  signal.throwIfAborted()
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    await Promise.race([promise, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort as () => void)
  }
}

export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>()

  /** Runs `fn` once every earlier holder of `key` is done; an abort while waiting gives up the turn. */
  async run <T> (key: string, fn: () => Promise<T>, options?: AbortOptions): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    const { promise: done, resolve } = Promise.withResolvers<void>()
    // the next holder waits for the previous one too, so giving up the turn early keeps the order
    const tail = previous.then(async () => done)
    this.tails.set(key, tail)
    void tail.then(() => { if (this.tails.get(key) === tail) this.tails.delete(key) })
    try {
      await untilAborted(previous, options?.signal)
      return await fn()
    } finally {
      resolve()
    }
  }
}

/** The same lock as a function, for services that keep one per store: `lock(key, task)`. */
export type KeyedMutex = <T>(key: string, task: () => Promise<T>, options?: AbortOptions) => Promise<T>

export function createKeyedMutex (): KeyedMutex {
  const lock = new KeyedLock()
  return async (key, task, options) => lock.run(key, task, options)
}
