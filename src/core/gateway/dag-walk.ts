/**
 * The blocks of a DAG in depth-first order, each once: what a CAR response carries.
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { readBlock } from './block-source.ts'
import type { AbortOptions } from '../types.ts'
import type { ReadableStorage } from 'ipfs-unixfs-exporter'

export interface DagBlock {
  cid: CID
  bytes: Uint8Array
}

export interface DagWalkOptions extends AbortOptions {
  /** only the root block, not its descendants */
  rootOnly?: boolean
  /** CIDs already sent (shared across walks so no block is sent twice) */
  seen?: Set<string>
}

/** The CIDs a block links to, in order. Codecs without links (raw, json) have none. */
export function linksOf (cid: CID, bytes: Uint8Array): CID[] {
  switch (cid.code) {
    case dagPb.code: return dagPb.decode(bytes).Links.map(link => link.Hash)
    case dagCbor.code: return collectCids(dagCbor.decode(bytes))
    case dagJson.code: return collectCids(dagJson.decode(bytes))
    default: return []
  }
}

export async function * walkDag (blocks: ReadableStorage, root: CID, options: DagWalkOptions = {}): AsyncGenerator<DagBlock> {
  const seen = options.seen ?? new Set<string>()
  const stack = [root]
  while (stack.length > 0) {
    const cid = stack.pop() as CID
    const key = cid.toString()
    // identity CIDs carry their bytes inline: nothing to send
    if (seen.has(key) || cid.multihash.code === identity.code) continue
    seen.add(key)

    const bytes = await readBlock(blocks, cid, options)
    yield { cid, bytes }
    if (options.rootOnly === true) return

    const links = linksOf(cid, bytes)
    for (let i = links.length - 1; i >= 0; i--) stack.push(links[i])
  }
}

function collectCids (value: unknown, out: CID[] = []): CID[] {
  const cid = CID.asCID(value)
  if (cid != null) {
    out.push(cid)
  } else if (Array.isArray(value)) {
    for (const v of value) collectCids(v, out)
  } else if (value != null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const v of Object.values(value)) collectCids(v, out)
  }
  return out
}
