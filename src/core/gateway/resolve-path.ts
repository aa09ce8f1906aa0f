/**
 * Walks a content path from a root CID to the CID it names, through UnixFS directories
 * (HAMT-sharded too) and dag-cbor / dag-json links.
 */
import { walkPath } from 'ipfs-unixfs-exporter'
import { CafeError, NotFoundError } from '../errors.ts'
import type { AbortOptions } from '../types.ts'
import type { ReadableStorage } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'

export interface ResolvedPath {
  /** the CID the path names */
  cid: CID
  /** the CIDs traversed, from the root to `cid` inclusive (X-Ipfs-Roots, CAR path blocks) */
  roots: CID[]
  /** name of the last path segment, or the CID string when the path is empty */
  name: string
}

const PATH_ERRORS = new Set(['NotFoundError', 'NoResolverError', 'NotUnixFSError', 'BadPathError'])

/**
 * @param path - decoded segments, or a '/'-separated string
 * @throws NotFoundError when the path does not exist under `cid`; block errors pass through
 */
export async function resolvePath (blockstore: ReadableStorage, cid: CID, path: string[] | string = [], options: AbortOptions = {}): Promise<ResolvedPath> {
  const segments = typeof path === 'string' ? path.split('/').filter(s => s !== '') : path
  let last: ResolvedPath = { cid, roots: [cid], name: cid.toString() }
  if (segments.length === 0) return last

  try {
    for await (const entry of walkPath(`${cid}/${segments.join('/')}`, blockstore, { signal: options.signal })) {
      last = { cid: entry.cid, roots: entry.roots, name: entry.name }
    }
  } catch (err) {
    if (!(err instanceof CafeError) && PATH_ERRORS.has((err as Error)?.name)) {
      throw new NotFoundError(`no such path: /${segments.join('/')} under ${cid}`, 'PATH_NOT_FOUND')
    }
    throw err
  }
  return last
}
