/**
 * The owner's library: what was added through the cafe page, with names and sizes, so
 * the page can list it after a reload. Blocks live in the blockstore; this is only the
 * index, kept in the datastore under /cafe/library/.
 */
import { Key } from 'interface-datastore'
import { BadRequestError, NotFoundError } from '../errors.ts'
import { parseCid } from '../util/cid.ts'
import { parseStoredJson } from '../util/stored.ts'
import type { AbortOptions, BaseComponents } from '../types.ts'

export interface LibraryEntry {
  cid: string
  name: string
  /** bytes of file content (for a directory, of all files in it) */
  size: number
  kind: 'file' | 'directory'
  /** ms since the epoch */
  addedAt: number
}

export interface Library {
  record (entry: Omit<LibraryEntry, 'addedAt'>, options?: AbortOptions): Promise<LibraryEntry>
  /** newest first */
  list (options?: AbortOptions): Promise<LibraryEntry[]>
  remove (cid: string, options?: AbortOptions): Promise<void>
}

const PREFIX = '/cafe/library'
const MAX_NAME_LENGTH = 255

function entryKey (cid: string): Key {
  return new Key(`${PREFIX}/${cid}`)
}

function validate (entry: Omit<LibraryEntry, 'addedAt'>): void {
  parseCid(entry.cid)
  if (entry.name.length === 0 || entry.name.length > MAX_NAME_LENGTH) {
    throw new BadRequestError(`a name must have 1 to ${MAX_NAME_LENGTH} characters`, 'NAME_INVALID')
  }
  if (!Number.isSafeInteger(entry.size) || entry.size < 0) {
    throw new BadRequestError('size must be a non-negative integer', 'SIZE_INVALID')
  }
}

class DatastoreLibrary implements Library {
  private readonly components: BaseComponents

  constructor (components: BaseComponents) {
    this.components = components
  }

  async record (entry: Omit<LibraryEntry, 'addedAt'>, options?: AbortOptions): Promise<LibraryEntry> {
    validate(entry)
    const stored: LibraryEntry = { ...entry, addedAt: (this.components.clock ?? Date.now)() }
    await this.components.datastore.put(entryKey(entry.cid), new TextEncoder().encode(JSON.stringify(stored)), options)
    return stored
  }

  async list (options?: AbortOptions): Promise<LibraryEntry[]> {
    const entries: LibraryEntry[] = []
    for await (const { value } of this.components.datastore.query({ prefix: PREFIX }, options)) {
      entries.push(parseStoredJson(value, 'a library entry'))
    }
    return entries.sort((a, b) => b.addedAt - a.addedAt)
  }

  async remove (cid: string, options?: AbortOptions): Promise<void> {
    const key = entryKey(cid)
    if (!(await this.components.datastore.has(key, options))) throw new NotFoundError(`${cid} is not in the library`)
    await this.components.datastore.delete(key, options)
  }
}

export function createLibrary (components: BaseComponents): Library {
  return new DatastoreLibrary(components)
}
