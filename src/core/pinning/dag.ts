/**
 * Blocks and DAGs as the pinning service sees them: verify a block against its CID,
 * and walk a DAG in the local blockstore to learn its size (and that it is complete),
 * using what an upload already saw instead of reading those blocks back.
 */
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { concat } from 'uint8arrays/concat'
import { equals } from 'uint8arrays/equals'
import { BadRequestError, MissingBlockError } from '../errors.ts'
import { isWalkable, linksOf } from '../util/dag.ts'
import type { AbortOptions } from '../types.ts'
import type { Blockstore } from 'interface-blockstore'
import type { MultihashHasher } from 'multiformats/hashes/interface'

const hashers: Record<number, MultihashHasher> = {
  [sha256.code]: sha256,
  [sha512.code]: sha512
}

/** Blocks are stored by multihash, so two CIDs of the same bytes are one block. */
export function blockKey (cid: CID): string {
  return base58btc.encode(cid.multihash.bytes)
}

/**
 * The same CID with bytes of its own. A CID the CAR reader decoded keeps a view into the
 * reader's buffer (its multihash), so a list of them kept for the whole upload would keep
 * every buffer of the CAR alive.
 */
export function ownCid (cid: CID): CID {
  return CID.decode(cid.bytes.slice())
}

export function isIdentity (cid: CID): boolean {
  return cid.multihash.code === identity.code
}

/** Throws BLOCK_MISMATCH if the bytes do not hash to the CID, UNSUPPORTED_HASH for hashers we do not have. */
export async function verifyBlock (cid: CID, bytes: Uint8Array): Promise<void> {
  if (isIdentity(cid)) {
    if (!equals(cid.multihash.digest, bytes)) throw new BadRequestError(`block ${cid} does not match its CID`, 'BLOCK_MISMATCH')
    return
  }
  const hasher = hashers[cid.multihash.code]
  if (hasher == null) {
    throw new BadRequestError(`block ${cid} uses hash function 0x${cid.multihash.code.toString(16)}, which this cafe does not verify (use sha2-256)`, 'UNSUPPORTED_HASH')
  }
  const digest = await hasher.digest(bytes)
  if (!equals(digest.bytes, cid.multihash.bytes)) {
    throw new BadRequestError(`block ${cid} does not match its CID`, 'BLOCK_MISMATCH')
  }
}

export async function readBlock (blockstore: Blockstore, cid: CID, options?: AbortOptions): Promise<Uint8Array> {
  if (isIdentity(cid)) return cid.multihash.digest
  const chunks: Uint8Array[] = []
  let length = 0
  // offline: Helia's networked blockstore must not go to the network from a walk
  for await (const chunk of blockstore.get(cid, { ...options, offline: true } as AbortOptions)) {
    chunks.push(chunk)
    length += chunk.byteLength
  }
  return chunks.length === 1 ? chunks[0] : concat(chunks, length)
}

export interface DagBlock {
  cid: CID
  size: number
}

interface KnownBlock {
  /** the codec the links were read with: the same bytes may arrive under another codec's CID */
  code: number
  size: number
  links: CID[]
}

/**
 * Size and links of blocks seen while they streamed in, so a walk over them needs no
 * read. Only for blocks that stay in the blockstore while the index is used (an upload
 * holds its staged blocks in use until it has pinned them).
 */
export class DagIndex {
  private readonly blocks = new Map<string, KnownBlock>()

  /** A verified block; one whose codec we do not walk or whose links do not decode is left to the blockstore walk, which reports it. */
  add (cid: CID, bytes: Uint8Array): void {
    if (!isWalkable(cid)) return
    let links: CID[]
    try {
      links = linksOf(cid, bytes)
    } catch {
      return
    }
    // links decoded from the block are views into it, and so into the CAR reader's buffer
    this.blocks.set(blockKey(cid), { code: cid.code, size: bytes.byteLength, links: links.map(ownCid) })
  }

  get (cid: CID): KnownBlock | undefined {
    const known = this.blocks.get(blockKey(cid))
    return known?.code === cid.code ? known : undefined
  }
}

export interface WalkOptions extends AbortOptions {
  /** skip blocks missing from the blockstore instead of failing (for clean-up walks) */
  skipMissing?: boolean
  /** blocks known without reading them */
  index?: DagIndex
}

/**
 * Every distinct block of the DAG under `root`, read from the local blockstore only.
 * A missing block throws BLOCK_MISSING (unless `skipMissing`); an unknown codec throws UNSUPPORTED_CODEC.
 */
export async function * walkDag (blockstore: Blockstore, root: CID, options: WalkOptions = {}): AsyncGenerator<DagBlock> {
  const seen = new Set<string>()
  const stack: CID[] = [root]
  while (stack.length > 0) {
    options.signal?.throwIfAborted()
    const cid = stack.pop() as CID
    const key = blockKey(cid)
    if (seen.has(key)) continue
    seen.add(key)
    if (!isWalkable(cid)) {
      throw new BadRequestError(`block ${cid} uses codec 0x${cid.code.toString(16)}, which this cafe cannot walk`, 'UNSUPPORTED_CODEC')
    }
    const known = options.index?.get(cid)
    if (known != null) {
      yield { cid, size: known.size }
      for (const link of known.links) stack.push(link)
      continue
    }
    let bytes: Uint8Array
    try {
      bytes = await readBlock(blockstore, cid, options)
    } catch (err) {
      if ((err as Error).name !== 'NotFoundError') throw err
      if (options.skipMissing === true) continue
      throw new MissingBlockError(`block ${cid} is missing`)
    }
    yield { cid, size: bytes.byteLength }
    for (const link of linksOf(cid, bytes)) stack.push(link)
  }
}

/** Total bytes of the distinct blocks of a complete DAG. */
export async function dagSize (blockstore: Blockstore, root: CID, options?: WalkOptions): Promise<number> {
  let size = 0
  for await (const block of walkDag(blockstore, root, options)) size += block.size
  return size
}
