/**
 * JSON records in a datastore. Read-modify-write steps (consume a token use, rotate a
 * refresh token) run under a KeyedLock (src/core/util/keyed-lock.ts) per record.
 */
import { Key } from 'interface-datastore'
import { getOrUndefined } from '../util/datastore.ts'
import { parseStoredJson } from '../util/stored.ts'
import type { AbortOptions } from '../types.ts'
import type { Datastore } from 'interface-datastore'

const encoder = new TextEncoder()

export async function getRecord<T> (datastore: Datastore, key: Key, options?: AbortOptions): Promise<T | undefined> {
  const bytes = await getOrUndefined(datastore, key, options)
  return bytes == null ? undefined : parseStoredJson<T>(bytes, `record ${key}`)
}

export async function putRecord (datastore: Datastore, key: Key, value: unknown, options?: AbortOptions): Promise<void> {
  await datastore.put(key, encoder.encode(JSON.stringify(value)), options)
}

export async function * listRecords<T> (datastore: Datastore, prefix: string, options?: AbortOptions): AsyncGenerator<{ key: Key, value: T }> {
  for await (const pair of datastore.query({ prefix }, options)) {
    yield { key: pair.key, value: parseStoredJson<T>(pair.value, `record ${pair.key}`) }
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
