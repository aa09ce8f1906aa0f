/**
 * Decoding what the cafe itself stored. Bytes that do not decode are not the client's
 * fault: they are a 500 `STORAGE_CORRUPT` (StorageCorruptError), never a 400.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { StorageCorruptError } from '../errors.ts'

const decoder = new TextDecoder('utf-8', { fatal: true })

/** A stored JSON record; `what` names it in the error ("a pin record"). */
export function parseStoredJson<T> (bytes: Uint8Array, what: string): T {
  try {
    return JSON.parse(decoder.decode(bytes)) as T
  } catch {
    throw new StorageCorruptError(`${what} in the store does not decode`)
  }
}

/** A stored dag-cbor record. */
export function decodeStoredCbor<T> (bytes: Uint8Array, what: string): T {
  try {
    return dagCbor.decode(bytes) as T
  } catch {
    throw new StorageCorruptError(`${what} in the store does not decode`)
  }
}
