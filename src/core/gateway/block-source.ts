/**
 * The gateway's view of blocks: the local blockstore first, then (if the gateway has
 * one) the network through `fetchBlock`, bounded by a timeout. A block that cannot be
 * had becomes a BlockUnavailableError (504) instead of the store's 'NotFoundError',
 * which would otherwise be confused with the exporter's "no such path" error.
 */
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { concat } from 'uint8arrays/concat'
import { equals } from 'uint8arrays/equals'
import { BlockUnavailableError, InvalidBlockError } from './errors.ts'
import type { AbortOptions } from '../types.ts'
import type { Blockstore } from 'interface-blockstore'
import type { ReadableStorage } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'
import type { MultihashHasher } from 'multiformats/hashes/interface'

export interface BlockSourceComponents {
  blockstore: Pick<Blockstore, 'get'>
  fetchBlock?(cid: CID, options: AbortOptions): Promise<Uint8Array>
}

export interface BlockSourceInit {
  networkTimeoutMs: number
}

/** Larger blocks from the network are refused (trustless gateway spec, "Block Limits"; bitswap's limit too). */
export const MAX_NETWORK_BLOCK_BYTES = 2 * 1024 * 1024

const HASHERS = new Map<number, MultihashHasher>([sha256, sha512].map(h => [h.code, h]))

export function createBlockSource (components: BlockSourceComponents, init: BlockSourceInit): ReadableStorage {
  async function * get (cid: CID, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
    if (cid.multihash.code === identity.code) {
      yield cid.multihash.digest
      return
    }

    options.signal?.throwIfAborted()
    const local = await readLocal(components.blockstore, cid)
    if (local != null) {
      yield * local
      return
    }

    yield await fetchRemote(cid, options)
  }

  async function fetchRemote (cid: CID, options: AbortOptions): Promise<Uint8Array> {
    if (components.fetchBlock == null) {
      throw new BlockUnavailableError(cid, true, `block ${cid} is not stored here`)
    }

    options.signal?.throwIfAborted()
    const timeout = AbortSignal.timeout(init.networkTimeoutMs)
    const signal = options.signal == null ? timeout : AbortSignal.any([timeout, options.signal])
    let bytes: Uint8Array
    try {
      bytes = await raceSignal(components.fetchBlock(cid, { signal }), signal)
    } catch (err) {
      options.signal?.throwIfAborted()
      // bytes that do not match: the source is wrong, not slow
      if (err instanceof InvalidBlockError) throw err
      throw new BlockUnavailableError(cid, false, timeout.aborted
        ? `timed out after ${init.networkTimeoutMs} ms fetching block ${cid}`
        : `could not fetch block ${cid}: ${(err as Error)?.message ?? String(err)}`)
    }

    if (bytes.byteLength > MAX_NETWORK_BLOCK_BYTES) {
      throw new InvalidBlockError(`the network returned a block of ${bytes.byteLength} bytes for ${cid}, above the ${MAX_NETWORK_BLOCK_BYTES} bytes a block may have`)
    }
    await verify(cid, bytes)
    return bytes
  }

  return { get }
}

/**
 * The chunks of a local block, or undefined if the store does not have it. Stores
 * throw 'NotFoundError' on the first read (MemoryBlockstore, blockstore-idb).
 * A local read is short and is not given the request's signal: blockstore-fs answers
 * an abort during its open() with NotFoundError and leaves the file handle it was
 * opening to the garbage collector.
 */
async function readLocal (blockstore: Pick<Blockstore, 'get'>, cid: CID): Promise<Uint8Array[] | undefined> {
  try {
    const chunks: Uint8Array[] = []
    for await (const chunk of blockstore.get(cid)) {
      chunks.push(chunk)
    }
    return chunks
  } catch (err) {
    if ((err as Error)?.name === 'NotFoundError') return undefined
    throw err
  }
}

/** Bytes from the network must hash to the CID; unknown hash functions are trusted to fetchBlock. */
async function verify (cid: CID, bytes: Uint8Array): Promise<void> {
  const hasher = HASHERS.get(cid.multihash.code)
  if (hasher == null) return
  const digest = await hasher.digest(bytes)
  if (!equals(digest.digest, cid.multihash.digest)) {
    throw new InvalidBlockError(`the network returned bytes that do not match ${cid}`)
  }
}

/**
 * Settles with the promise, or rejects when the signal aborts (fetchBlock may ignore
 * its signal). The promise left behind is handled: its late failure concerns nobody.
 */
function raceSignal<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {})
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
  })
}

/** One whole block (blocks are small; files are never gathered). */
export async function readBlock (blocks: ReadableStorage, cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of blocks.get(cid, options)) chunks.push(chunk)
  return chunks.length === 1 ? chunks[0] : concat(chunks)
}
