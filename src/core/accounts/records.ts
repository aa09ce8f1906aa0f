/**
 * JSON records in a datastore, and a per-key lock so read-modify-write steps
 * (consume a token use, rotate a refresh token) are atomic within one process.
 */
import { Key } from 'interface-datastore'
import type { AbortOptions } from '../types.ts'
import type { Datastore } from 'interface-datastore'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export async function getRecord<T> (datastore: Datastore, key: Key, options?: AbortOptions): Promise<T | undefined> {
  try {
    return JSON.parse(decoder.decode(await datastore.get(key, options))) as T
  } catch (err) {
    if ((err as Error).name === 'NotFoundError') return undefined
    throw err
  }
}

export async function putRecord (datastore: Datastore, key: Key, value: unknown, options?: AbortOptions): Promise<void> {
  await datastore.put(key, encoder.encode(JSON.stringify(value)), options)
}

export async function * listRecords<T> (datastore: Datastore, prefix: string, options?: AbortOptions): AsyncGenerator<{ key: Key, value: T }> {
  for await (const pair of datastore.query({ prefix }, options)) {
    yield { key: pair.key, value: JSON.parse(decoder.decode(pair.value)) as T }
  }
}

export async function deletePrefix (datastore: Datastore, prefix: string, options?: AbortOptions): Promise<void> {
  const keys: Key[] = []
  for await (const key of datastore.queryKeys({ prefix }, options)) keys.push(key)
  for (const key of keys) await datastore.delete(key, options)
}

export function recordKey (...parts: string[]): Key {
  return new Key('/' + parts.join('/'))
}

/** Runs critical sections for the same key one after another. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>()

  async run<T> (key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    const result = previous.then(fn, fn)
    const tail = result.catch(() => {})
    this.tails.set(key, tail)
    try {
      return await result
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
  }
}
