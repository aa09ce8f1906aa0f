import type { AbortOptions } from '../types.ts'
import type { Datastore, Key } from 'interface-datastore'

/** The value under `key`, or undefined when there is none; other store errors are thrown. */
export async function getOrUndefined (datastore: Pick<Datastore, 'get'>, key: Key, options?: AbortOptions): Promise<Uint8Array | undefined> {
  try {
    return await datastore.get(key, options)
  } catch (err) {
    if ((err as Error).name === 'NotFoundError') return undefined
    throw err
  }
}
