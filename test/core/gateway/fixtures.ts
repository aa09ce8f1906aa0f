/**
 * Test content: a MemoryBlockstore filled with the UnixFS importer, and a gateway over it.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { defaultLogger } from '@libp2p/logger'
import { MemoryBlockstore } from 'blockstore-core'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { createGateway } from '../../../src/core/gateway/index.ts'
import type { Gateway, GatewayComponents, GatewayInit } from '../../../src/core/gateway/index.ts'
import type { BlockCodec } from 'multiformats/codecs/interface'

export const BASE = 'http://cafe.test'

export interface FileSpec {
  path: string
  content: Uint8Array | string
}

/** Small chunks so even small files span several blocks (ranges cross block edges). */
export const CHUNK_SIZE = 1024

function bytesOf (content: Uint8Array | string): Uint8Array {
  return typeof content === 'string' ? new TextEncoder().encode(content) : content
}

export async function addFile (blockstore: MemoryBlockstore, content: Uint8Array | string, chunkSize = CHUNK_SIZE): Promise<CID> {
  let cid: CID | undefined
  for await (const entry of importer([{ content: bytesOf(content) }], blockstore, { chunker: fixedSize({ chunkSize }) })) {
    cid = entry.cid
  }
  return cid as CID
}

/** A directory of the given files; returns the root CID. */
export async function addDirectory (blockstore: MemoryBlockstore, files: FileSpec[]): Promise<CID> {
  let cid: CID | undefined
  const source = files.map(f => ({ path: f.path, content: bytesOf(f.content) }))
  for await (const entry of importer(source, blockstore, { wrapWithDirectory: true, chunker: fixedSize({ chunkSize: CHUNK_SIZE }) })) {
    cid = entry.cid
  }
  return cid as CID
}

export async function putBlock<T> (blockstore: MemoryBlockstore, codec: BlockCodec<number, T>, value: T): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = codec.encode(value)
  const cid = CID.createV1(codec.code, await sha256.digest(bytes))
  await blockstore.put(cid, bytes)
  return { cid, bytes }
}

export async function putCbor (blockstore: MemoryBlockstore, value: unknown): Promise<{ cid: CID, bytes: Uint8Array }> {
  return putBlock(blockstore, dagCbor, value)
}

export function gatewayOver (blockstore: MemoryBlockstore, extra: Partial<GatewayComponents> = {}, init: GatewayInit = {}): Gateway {
  return createGateway({ blockstore, logger: defaultLogger(), ...extra }, init)
}

export function get (gateway: Gateway, path: string, init: RequestInit = {}): Promise<Response> {
  return gateway.fetch(new Request(`${BASE}${path}`, init))
}

export async function bodyBytes (response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer())
}

/** Deterministic pseudo-random bytes (fast, no crypto needed). */
export function patternBytes (length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}
