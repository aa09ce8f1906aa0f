/**
 * The default response for dag-pb and raw blocks: a UnixFS file or directory.
 * dag-pb that is not UnixFS is shown as JSON.
 */
import { exporter } from 'ipfs-unixfs-exporter'
import { NotImplementedError } from '../errors.ts'
import { isFileEntry } from '../read-file-range.ts'
import { ipldHandler } from './ipld.ts'
import { serveDirectory } from './unixfs-directory.ts'
import { serveFile } from './unixfs-file.ts'
import type { Handler } from './context.ts'
import type { UnixFSEntry } from 'ipfs-unixfs-exporter'

export const unixfsHandler: Handler = async (ctx) => {
  let entry: UnixFSEntry
  try {
    entry = await exporter(ctx.resolved.cid, ctx.blocks, { signal: ctx.signal })
  } catch (err) {
    if ((err as Error)?.name === 'NotUnixFSError') return ipldHandler(ctx)
    throw err
  }

  if (isFileEntry(entry)) {
    const named = ctx.resolved.roots.length > 1 ? ctx.resolved.name : undefined
    return serveFile(ctx, entry, named)
  }
  if (entry.type === 'directory') return serveDirectory(ctx, entry)
  throw new NotImplementedError(`cannot serve UnixFS entry of type ${entry.type}`)
}
