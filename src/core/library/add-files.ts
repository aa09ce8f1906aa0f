/**
 * Adds files and folders as UnixFS and records them in the library. A file at the top
 * level becomes one UnixFS file; files whose paths share a first segment become one
 * UnixFS directory with their structure kept (its CID links to a listing).
 */
import { unixfs } from '@helia/unixfs'
import { CID } from 'multiformats/cid'
import { BadRequestError } from '../errors.ts'
import { DagIndex } from '../pinning/dag.ts'
import { eagerRawLeaves } from './eager-leaves.ts'
import { WriteBehind } from './write-behind.ts'
import type { Library, LibraryEntry } from './library.ts'
import type { AbortOptions } from '../types.ts'
import type { Blockstore } from 'interface-blockstore'

export interface FileToAdd {
  /** `name` for a single file, `folder/sub/name` for a file in a folder */
  path: string
  size: number
  content: AsyncIterable<Uint8Array>
  /**
   * the same bytes as `content`, as a Blob (a browser File): leaves are then put with
   * their slice of it (`blob` in the put options) for a store that keeps Blobs
   */
  blob?: Blob
}

export interface AddFilesComponents {
  blockstore: Pick<Blockstore, 'get' | 'put' | 'has'>
  library: Library
  /**
   * keeps an added DAG from being collected when an account unpins the same blocks;
   * `index` holds the links of every block just written, so the DAG need not be read back
   */
  keep?(cid: CID, options?: AbortOptions & { index?: DagIndex }): Promise<void>
}

/**
 * Block writes in flight while the import reads and hashes on: the blockstore groups puts
 * that arrive together into one transaction (one disk flush). The importer's own
 * concurrency waits for each group of puts before reading on, which left reading, hashing
 * and writing taking turns. With 32 the window filled while a transaction flushed to disk
 * and the SharedWorker sat idle for about 100 ms in the middle of a 64 MiB add (CDP profile);
 * 64 (1 MiB leaves) keeps it busy. A leaf in flight is held as its slice of the File (the
 * store keeps that Blob), so the window costs little memory.
 */
const WRITE_WINDOW = 64
/**
 * leaves the importer has in flight at once. Chromium's WebCrypto `digest` hashes on the
 * calling thread (a 1 MiB digest returns only when done), so this overlaps hashing with
 * reading and writing, not hashes with each other; it is still the fastest hash there
 * (64 MiB of 1 MiB leaves: about 90 ms in a Chromium page; @noble/hashes about 890 ms in V8 under Node 24)
 */
const HASH_CONCURRENCY = 16

function splitPath (path: string): string[] {
  const segments = path.split('/').filter(segment => segment.length > 0)
  if (segments.length === 0 || segments.some(segment => segment === '.' || segment === '..')) {
    throw new BadRequestError(`not a usable file path: ${JSON.stringify(path)}`, 'PATH_INVALID')
  }
  return segments
}

/** Top-level files alone, folder members grouped under their folder's name. */
function groupByTopLevel (files: FileToAdd[]): Map<string, FileToAdd[]> {
  const groups = new Map<string, FileToAdd[]>()
  for (const file of files) {
    const segments = splitPath(file.path)
    const top = segments.length === 1 ? `\0${segments[0]}` : segments[0]
    groups.set(top, [...(groups.get(top) ?? []), { ...file, path: segments.join('/') }])
  }
  return groups
}

export async function addFiles (components: AddFilesComponents, files: FileToAdd[], options?: AbortOptions): Promise<LibraryEntry[]> {
  const added: LibraryEntry[] = []
  for (const [top, members] of groupByTopLevel(files)) {
    options?.signal?.throwIfAborted()
    added.push(await addGroup(components, top, members, options))
  }
  return added
}

async function addGroup (components: AddFilesComponents, top: string, members: FileToAdd[], options?: AbortOptions): Promise<LibraryEntry> {
  // the links of every block written, so keeping the DAG need not read it back
  const index = new DagIndex()
  const writes = new WriteBehind(async (cid, bytes, options) => components.blockstore.put(cid, bytes, options), WRITE_WINDOW)
  const blockstore: AddFilesComponents['blockstore'] = {
    get: (cid, options) => components.blockstore.get(cid, options),
    has: async (cid, options) => components.blockstore.has(cid, options),
    put: async (cid, bytes, options) => {
      // the importer hands whole blocks
      if (!(bytes instanceof Uint8Array)) throw new TypeError('the importer put a block that is not bytes')
      index.add(cid, bytes)
      return writes.put(cid, bytes, options)
    }
  }
  const fs = unixfs({ blockstore })
  const blobs = new Map(members.map(file => [file.path, file.blob]))
  // a single file is imported as a byte stream, without a path
  const blobOf = top.startsWith('\0') ? () => members[0].blob : (path: string | undefined) => blobs.get(path ?? '')
  const importOptions = { signal: options?.signal, blockWriteConcurrency: HASH_CONCURRENCY, rawLeaves: true, cidVersion: 1 as const, bufferImporter: eagerRawLeaves(blobOf) }
  const size = members.reduce((sum, file) => sum + file.size, 0)
  try {
    if (top.startsWith('\0')) {
      const cid = await fs.addByteStream(members[0].content, importOptions)
      await writes.flush()
      await components.keep?.(cid, { ...options, index })
      return await components.library.record({ cid: cid.toString(), name: members[0].path, size, kind: 'file' }, options)
    }
    let root: string | undefined
    for await (const entry of fs.addAll(members.map(({ path, content }) => ({ path, content })), importOptions)) {
      if (entry.path === top) root = entry.cid.toString()
    }
    await writes.flush()
    if (root == null) throw new BadRequestError(`folder ${top} produced no directory`, 'PATH_INVALID')
    await components.keep?.(CID.parse(root), { ...options, index })
    return await components.library.record({ cid: root, name: top, size, kind: 'directory' }, options)
  } finally {
    // a failed import still waits for its queued writes, so none lands after the caller moves on
    await writes.flush().catch(() => {})
  }
}
