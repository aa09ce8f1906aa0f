/**
 * Walks a content path from a root CID to the CID it names: through UnixFS directories
 * (HAMT-sharded too) one name at a time, and through dag-cbor / dag-json fields that
 * lead to a link. Every block read on the way is recorded, in order, so a CAR response
 * can carry what a client needs to verify the path (HAMT shard blocks included).
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { walkPath } from 'ipfs-unixfs-exporter'
import { CID } from 'multiformats/cid'
import { CafeError, NotFoundError } from '../errors.ts'
import { readBlock } from './block-source.ts'
import { NotImplementedError } from './errors.ts'
import type { AbortOptions } from '../types.ts'
import type { ReadableStorage } from 'ipfs-unixfs-exporter'

export interface ResolvedPath {
  /** the CID the path names */
  cid: CID
  /** one CID per logical path segment, from the root to `cid` inclusive (X-Ipfs-Roots) */
  roots: CID[]
  /** name of the last path segment, or the CID string when the path is empty */
  name: string
  /** every block read to get from the root to `cid`, in order, without `cid` itself */
  pathBlocks: CID[]
}

const PATH_ERRORS = new Set(['NotFoundError', 'NoResolverError', 'NotUnixFSError', 'BadPathError'])

const IPLD_DECODERS: Record<number, (bytes: Uint8Array) => unknown> = {
  [dagCbor.code]: dagCbor.decode,
  [dagJson.code]: dagJson.decode
}

/**
 * @param path - decoded segments, or a '/'-separated string
 * @throws NotFoundError when the path does not exist under `cid`, NotImplementedError
 * (501) when it ends inside a dag-cbor / dag-json block on a value that is not a link;
 * block errors pass through
 */
export async function resolvePath (blocks: ReadableStorage, cid: CID, path: string[] | string = [], options: AbortOptions = {}): Promise<ResolvedPath> {
  const segments = typeof path === 'string' ? path.split('/').filter(s => s !== '') : path
  const resolved: ResolvedPath = { cid, roots: [cid], name: cid.toString(), pathBlocks: [] }
  const notFound = (): NotFoundError =>
    new NotFoundError(`no such path: /${segments.join('/')} under ${cid}`, 'PATH_NOT_FOUND')

  let i = 0
  while (i < segments.length) {
    const current = resolved.cid
    if (current.code === dagPb.code) {
      const child = await unixfsChild(blocks, current, segments[i], resolved.pathBlocks, options).catch((err: unknown) => {
        if (!(err instanceof CafeError) && PATH_ERRORS.has((err as Error)?.name)) throw notFound()
        throw err
      })
      if (child == null) throw notFound()
      resolved.cid = child
      resolved.name = segments[i]
      resolved.roots.push(child)
      i++
      continue
    }

    const decode = IPLD_DECODERS[current.code]
    // raw, json, cbor and identity blocks have nothing to walk into
    if (decode == null) throw notFound()
    resolved.pathBlocks.push(current)
    let value = decode(await readBlock(blocks, current, options))
    const start = i
    while (i < segments.length && CID.asCID(value) == null) {
      value = field(value, segments[i])
      if (value === undefined) throw notFound()
      i++
    }
    const link = CID.asCID(value)
    if (link == null) {
      throw new NotImplementedError(`/${segments.slice(start, i).join('/')} in ${current} is not a link: pathing into IPLD values other than links is not implemented`, 'PATH_NOT_A_LINK')
    }
    resolved.cid = link
    resolved.name = segments[i - 1]
    resolved.roots.push(link)
  }
  return resolved
}

/** A field of a map or an index of a list; undefined when there is none. */
function field (value: unknown, segment: string): unknown {
  if (Array.isArray(value)) return /^\d+$/.test(segment) ? value[Number(segment)] : undefined
  if (value != null && typeof value === 'object' && !(value instanceof Uint8Array) && Object.hasOwn(value, segment)) {
    return (value as Record<string, unknown>)[segment]
  }
  return undefined
}

/**
 * The CID named `name` in the UnixFS directory `dir`, recording the blocks read (the
 * directory, and the shards of a HAMT). undefined when the directory has no such entry
 * or `dir` is a file (a single-block dag-pb file has no children to name).
 */
async function unixfsChild (blocks: ReadableStorage, dir: CID, name: string, pathBlocks: CID[], options: AbortOptions): Promise<CID | undefined> {
  if (name.includes('/')) return undefined
  const reads: CID[] = []
  const recording: ReadableStorage = {
    get (cid, opts) {
      reads.push(cid)
      return blocks.get(cid, opts)
    }
  }
  const entries = []
  for await (const entry of walkPath(`${dir}/${name}`, recording, { signal: options.signal })) entries.push(entry)
  if (entries.length !== 2 || entries[1].name !== name) return undefined
  const child = entries[1].cid
  const seen = new Set(pathBlocks.map(String))
  for (const cid of reads) {
    if (cid.equals(child) || seen.has(cid.toString())) continue
    seen.add(cid.toString())
    pathBlocks.push(cid)
  }
  return child
}
