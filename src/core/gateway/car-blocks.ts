/**
 * Which blocks a CAR response carries, in DFS order (trustless gateway spec): the
 * blocks read to resolve the path, then the DAG at its end as `dag-scope` says, cut
 * to the blocks an `entity-bytes` range needs. Sequential and pull-driven: nothing runs
 * ahead of the reader, so a client that goes away leaves no pending read behind.
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { varint } from 'multiformats'
import { readBlock } from './block-source.ts'
import { linksOf } from '../util/dag.ts'
import type { DagScope } from './negotiate.ts'
import type { AbortOptions } from '../types.ts'
import type { ReadableStorage } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'

export interface DagBlock {
  cid: CID
  bytes: Uint8Array
}

export interface CarPlan {
  /** blocks read to resolve the path, without the terminus */
  pathBlocks: CID[]
  terminus: DagBlock
  scope: DagScope
  /** inclusive byte span of a file terminus (entity-bytes) */
  span?: { start: number, end: number }
  /** send a block every time the walk meets it */
  dups: boolean
}

/** With dups=y a DAG that links one block many times could be made to send it without end. */
export const MAX_DUPLICATE_BLOCKS = 100_000

export async function * carBlocks (blocks: ReadableStorage, plan: CarPlan, options: AbortOptions = {}): AsyncGenerator<DagBlock> {
  const seen = new Set<string>()
  let duplicates = 0
  /** whether to send (and descend into) this block */
  function admit (cid: CID): boolean {
    if (cid.multihash.code === identity.code) return false
    const key = cid.toString()
    if (!seen.has(key)) {
      seen.add(key)
      return true
    }
    if (!plan.dups) return false
    if (++duplicates > MAX_DUPLICATE_BLOCKS) throw new Error(`more than ${MAX_DUPLICATE_BLOCKS} duplicate blocks`)
    return true
  }
  const read = async (cid: CID): Promise<DagBlock> => ({ cid, bytes: await readBlock(blocks, cid, options) })

  for (const cid of plan.pathBlocks) {
    if (admit(cid)) yield await read(cid)
  }

  const { terminus } = plan
  if (!admit(terminus.cid)) return
  yield terminus
  if (plan.scope === 'block') return

  // each stack entry is a block whose descendants are still to be sent
  const stack: Array<{ block: DagBlock, links: CID[] }> = [{ block: terminus, links: childrenFor(terminus, plan) }]
  while (stack.length > 0) {
    const top = stack[stack.length - 1]
    const next = top.links.shift()
    if (next == null) {
      stack.pop()
      continue
    }
    if (!admit(next)) continue
    const block = await read(next)
    yield block
    stack.push({ block, links: childrenFor(block, plan, spanOf(top, next, plan)) })
  }
}

/** Byte spans of file children, so a range walk knows where each child sits. */
const childOffsets = new WeakMap<DagBlock, Map<string, number>>()

/** Where `child` starts in the file, when walking a span. */
function spanOf (parent: { block: DagBlock }, child: CID, plan: CarPlan): number | undefined {
  if (plan.span == null) return undefined
  return childOffsets.get(parent.block)?.get(child.toString())
}

/**
 * The links of `block` the scope asks to follow. `entity`: all of a file's blocks (only
 * those covering the span with entity-bytes), a directory's own blocks (HAMT shards),
 * nothing below anything else.
 */
function childrenFor (block: DagBlock, plan: CarPlan, offset = 0): CID[] {
  if (plan.scope === 'all') return linksOf(block.cid, block.bytes)
  if (block.cid.code !== dagPb.code) return []
  const node = dagPb.decode(block.bytes)
  let unixfs: UnixFS
  try {
    unixfs = UnixFS.unmarshal(node.Data ?? new Uint8Array(0))
  } catch {
    return []
  }
  if (unixfs.type === 'file' || unixfs.type === 'raw') {
    if (plan.span == null) return node.Links.map(l => l.Hash)
    return fileChildrenInSpan(block, node, unixfs, offset, plan.span)
  }
  if (unixfs.type === 'hamt-sharded-directory') {
    // links to sub-shards are named with the bucket prefix alone; entries add their name
    const prefix = (BigInt(unixfs.fanout ?? 256n) - 1n).toString(16).length
    return node.Links.filter(l => (l.Name ?? '').length === prefix).map(l => l.Hash)
  }
  return []
}

function fileChildrenInSpan (block: DagBlock, node: dagPb.PBNode, unixfs: UnixFS, offset: number, span: { start: number, end: number }): CID[] {
  const offsets = new Map<string, number>()
  const out: CID[] = []
  let at = offset + (unixfs.data?.byteLength ?? 0)
  node.Links.forEach((link, i) => {
    const size = Number(unixfs.blockSizes[i] ?? 0n)
    if (at <= span.end && at + size > span.start) {
      out.push(link.Hash)
      offsets.set(link.Hash.toString(), at)
    }
    at += size
  })
  childOffsets.set(block, offsets)
  return out
}

/** Whether the block is a UnixFS file (dag-pb file or a raw leaf) and its size, for entity-bytes. */
export function fileSize (block: DagBlock): number | undefined {
  if (block.cid.code === raw.code) return block.bytes.byteLength
  if (block.cid.code !== dagPb.code) return undefined
  try {
    const unixfs = UnixFS.unmarshal(dagPb.decode(block.bytes).Data ?? new Uint8Array(0))
    return unixfs.type === 'file' || unixfs.type === 'raw' ? Number(unixfs.fileSize()) : undefined
  } catch {
    return undefined
  }
}

/** CARv1 bytes: the header, then each block as varint(length) ‖ CID ‖ bytes. */
export async function * encodeCar (roots: CID[], blocks: AsyncIterable<DagBlock>): AsyncGenerator<Uint8Array> {
  yield withLength(dagCbor.encode({ version: 1, roots }))
  for await (const { cid, bytes } of blocks) {
    const length = cid.bytes.byteLength + bytes.byteLength
    const prefix = new Uint8Array(varint.encodingLength(length) + cid.bytes.byteLength)
    varint.encodeTo(length, prefix, 0)
    prefix.set(cid.bytes, prefix.byteLength - cid.bytes.byteLength)
    yield prefix
    yield bytes
  }
}

function withLength (bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(varint.encodingLength(bytes.byteLength) + bytes.byteLength)
  varint.encodeTo(bytes.byteLength, out, 0)
  out.set(bytes, out.byteLength - bytes.byteLength)
  return out
}
