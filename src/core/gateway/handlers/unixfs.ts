/**
 * The default response for dag-pb and raw blocks: a UnixFS file, directory or symlink.
 * `?format=json` / `Accept: application/json` on a UnixFS file holding JSON serves the
 * file as `application/json` (path gateway spec: not a codec conversion).
 */
import all from 'it-all'
import { exporter } from 'ipfs-unixfs-exporter'
import { concat } from 'uint8arrays/concat'
import { NotAcceptableError, NotImplementedError } from '../errors.ts'
import { isFileEntry } from '../read-file-range.ts'
import { serveBlock } from './block.ts'
import { serveDirectory } from './unixfs-directory.ts'
import { fileSource, headBytes, serveFile } from './unixfs-file.ts'
import type { Handler, HandlerContext } from './context.ts'
import type { UnixFSEntry } from 'ipfs-unixfs-exporter'

/** A JSON file up to this size is parsed whole to be sure; a larger one is judged by its start. */
const JSON_CHECK_BYTES = 1024 * 1024

async function exportEntry (ctx: HandlerContext): Promise<UnixFSEntry> {
  try {
    return await exporter(ctx.resolved.cid, ctx.blocks, { signal: ctx.signal })
  } catch (err) {
    if ((err as Error)?.name === 'NotUnixFSError') {
      throw new NotImplementedError('this dag-pb block is not UnixFS and has no deserialized form: ask for ?format=raw or ?format=car', 'NOT_UNIXFS')
    }
    throw err
  }
}

function nameOf (ctx: HandlerContext): string | undefined {
  return ctx.resolved.roots.length > 1 ? ctx.resolved.name : undefined
}

export const unixfsHandler: Handler = async (ctx) => {
  const entry = await exportEntry(ctx)
  if (entry.type === 'file' && entry.unixfs.type === 'symlink') {
    // the link's target path is the content (as other gateways serve it)
    return serveBlock(ctx, { etag: `"${entry.cid}"`, contentType: 'text/plain; charset=utf-8' }, entry.unixfs.data ?? new Uint8Array(0))
  }
  if (isFileEntry(entry)) return serveFile(ctx, entry, { name: nameOf(ctx) })
  if (entry.type === 'directory') return serveDirectory(ctx, entry)
  throw new NotImplementedError(`cannot serve UnixFS entry of type ${entry.type}`)
}

/** `json` asked of a UnixFS file: the file as application/json when it holds JSON, else 406. */
export const unixfsJsonHandler: Handler = async (ctx) => {
  const entry = await exportEntry(ctx)
  if (!isFileEntry(entry)) throw new NotAcceptableError('only a UnixFS file holding JSON can be served as application/json', 'NOT_JSON')
  const source = fileSource(ctx, entry)
  const text = source.size <= JSON_CHECK_BYTES
    ? new TextDecoder().decode(concat(await all(source.read(0, source.size)), source.size))
    : new TextDecoder().decode(await headBytes(source))
  if (!isJson(text, source.size <= JSON_CHECK_BYTES)) {
    throw new NotAcceptableError('this UnixFS file does not hold JSON', 'NOT_JSON')
  }
  return serveFile(ctx, entry, { contentType: 'application/json' })
}

function isJson (text: string, complete: boolean): boolean {
  const t = text.trimStart()
  if (!complete) return t.startsWith('{') || t.startsWith('[')
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}
