/**
 * Adds files and folders as UnixFS and records them in the library. A file at the top
 * level becomes one UnixFS file; files whose paths share a first segment become one
 * UnixFS directory with their structure kept (its CID links to a listing).
 */
import { unixfs } from '@helia/unixfs'
import { CID } from 'multiformats/cid'
import { BadRequestError } from '../errors.ts'
import type { Library, LibraryEntry } from './library.ts'
import type { AbortOptions } from '../types.ts'
import type { Blockstore } from 'interface-blockstore'

export interface FileToAdd {
  /** `name` for a single file, `folder/sub/name` for a file in a folder */
  path: string
  size: number
  content: AsyncIterable<Uint8Array>
}

export interface AddFilesComponents {
  blockstore: Pick<Blockstore, 'get' | 'put' | 'has'>
  library: Library
  /** keeps an added DAG from being collected when an account unpins the same blocks */
  keep?(cid: CID, options?: AbortOptions): Promise<void>
}

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
  const fs = unixfs(components)
  const added: LibraryEntry[] = []
  for (const [top, members] of groupByTopLevel(files)) {
    options?.signal?.throwIfAborted()
    const size = members.reduce((sum, file) => sum + file.size, 0)
    if (top.startsWith('\0')) {
      const cid = await fs.addByteStream(members[0].content, { signal: options?.signal })
      await components.keep?.(cid, options)
      added.push(await components.library.record({ cid: cid.toString(), name: members[0].path, size, kind: 'file' }, options))
      continue
    }
    let root: string | undefined
    for await (const entry of fs.addAll(members.map(({ path, content }) => ({ path, content })), { signal: options?.signal })) {
      if (entry.path === top) root = entry.cid.toString()
    }
    if (root == null) throw new BadRequestError(`folder ${top} produced no directory`, 'PATH_INVALID')
    await components.keep?.(CID.parse(root), options)
    added.push(await components.library.record({ cid: root, name: top, size, kind: 'directory' }, options))
  }
  return added
}
