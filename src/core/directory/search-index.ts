/**
 * The in-memory index behind directory search: contacts by peer id, plus two arrays
 * sorted by lowercased username and by lowercased display name (ties by peer id).
 *
 * A query's results come in three tiers, each in a stable order, so a page can resume
 * from a cursor naming the tier and the last entry's sort key:
 *   0. username starts with q             (binary search, then walk the username array)
 *   1. display name starts with q         (same on the display-name array)
 *   2. either contains q elsewhere        (in username order: one indexOf walk over all names
 *                                          joined in one string, stopping once the page is full)
 * Each entry appears in the first tier it qualifies for only. The joined string is rebuilt
 * on the first search after a change: one indexOf over it is far faster than an includes()
 * per entry (about 25x at 100,000 contacts).
 */
import { BadRequestError } from '../errors.ts'
import { fromBase64, toBase64 } from '../util/canonical.ts'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import type { Contact } from './contact.ts'

interface Entry {
  peerId: string
  username: string
  displayName: string
  contact: Contact
  /** encoded size, for usage */
  bytes: number
}

type SortKey = 'username' | 'displayName'

interface Cursor { tier: number, key: string, peerId: string }

export interface IndexPage {
  contacts: Contact[]
  cursor?: string
}

export function normalize (text: string): string {
  return text.normalize('NFKC').toLowerCase()
}

export class ContactIndex {
  private readonly byPeer = new Map<string, Entry>()
  private byUsername: Entry[] = []
  private byDisplayName: Entry[] = []
  private haystack?: Haystack

  get size (): number {
    return this.byPeer.size
  }

  get (peerId: string): { contact: Contact, bytes: number } | undefined {
    return this.byPeer.get(peerId)
  }

  /** add many at once (start-up), sorting once */
  load (items: Array<{ contact: Contact, bytes: number }>): void {
    for (const { contact, bytes } of items) {
      this.byPeer.set(contact.peerId, entryOf(contact, bytes))
    }
    this.byUsername = [...this.byPeer.values()].sort(comparing('username'))
    this.byDisplayName = [...this.byUsername].sort(comparing('displayName'))
    this.haystack = undefined
  }

  put (contact: Contact, bytes: number): void {
    this.delete(contact.peerId)
    const entry = entryOf(contact, bytes)
    this.byPeer.set(entry.peerId, entry)
    this.byUsername.splice(firstAtOrAfter(this.byUsername, 'username', entry.username, entry.peerId), 0, entry)
    this.byDisplayName.splice(firstAtOrAfter(this.byDisplayName, 'displayName', entry.displayName, entry.peerId), 0, entry)
    this.haystack = undefined
  }

  delete (peerId: string): void {
    const entry = this.byPeer.get(peerId)
    if (entry == null) return
    this.byPeer.delete(peerId)
    this.byUsername.splice(firstAtOrAfter(this.byUsername, 'username', entry.username, peerId), 1)
    this.byDisplayName.splice(firstAtOrAfter(this.byDisplayName, 'displayName', entry.displayName, peerId), 1)
    this.haystack = undefined
  }

  /** `query` is already normalized and non-empty */
  search (query: string, limit: number, cursorText?: string): IndexPage {
    const cursor = cursorText == null ? undefined : decodeCursor(cursorText)
    const found: Array<{ entry: Entry, tier: number }> = []
    // one more than the page, to know whether another page follows
    for (const hit of this.matches(query, cursor)) {
      found.push(hit)
      if (found.length > limit) break
    }
    const page = found.slice(0, limit)
    const contacts = page.map(hit => hit.entry.contact)
    if (found.length <= limit) return { contacts }
    const last = page[page.length - 1]
    const key = last.tier === 1 ? last.entry.displayName : last.entry.username
    return { contacts, cursor: encodeCursor({ tier: last.tier, key, peerId: last.entry.peerId }) }
  }

  private * matches (q: string, cursor?: Cursor): Generator<{ entry: Entry, tier: number }> {
    const startTier = cursor?.tier ?? 0
    const resume = (tier: number, sortKey: SortKey, array: Entry[], from: number): number =>
      cursor?.tier === tier ? firstAtOrAfter(array, sortKey, cursor.key, `${cursor.peerId}\0`) : from

    if (startTier <= 0) {
      for (let i = resume(0, 'username', this.byUsername, firstAtOrAfter(this.byUsername, 'username', q, '')); i < this.byUsername.length; i++) {
        const entry = this.byUsername[i]
        if (!entry.username.startsWith(q)) break
        yield { entry, tier: 0 }
      }
    }
    if (startTier <= 1) {
      for (let i = resume(1, 'displayName', this.byDisplayName, firstAtOrAfter(this.byDisplayName, 'displayName', q, '')); i < this.byDisplayName.length; i++) {
        const entry = this.byDisplayName[i]
        if (!entry.displayName.startsWith(q)) break
        if (!entry.username.startsWith(q)) yield { entry, tier: 1 }
      }
    }
    this.haystack ??= joinNames(this.byUsername)
    const { text, offsets } = this.haystack
    let i = resume(2, 'username', this.byUsername, 0)
    while (i < this.byUsername.length) {
      const at = text.indexOf(q, offsets[i])
      if (at < 0) return
      i = entryAt(offsets, at)
      const entry = this.byUsername[i]
      if (!entry.username.startsWith(q) && !entry.displayName.startsWith(q)) yield { entry, tier: 2 }
      i++
    }
  }
}

/** every entry's names joined as `username SOH displayName NUL`, and where each entry starts */
interface Haystack { text: string, offsets: Uint32Array }

function joinNames (entries: Entry[]): Haystack {
  const offsets = new Uint32Array(entries.length + 1)
  const parts: string[] = []
  let length = 0
  entries.forEach((entry, i) => {
    offsets[i] = length
    const part = `${entry.username}\u0001${entry.displayName}\u0000`
    parts.push(part)
    length += part.length
  })
  offsets[entries.length] = length
  return { text: parts.join(''), offsets }
}

/** the entry whose part of the haystack holds position `at` */
function entryAt (offsets: Uint32Array, at: number): number {
  let low = 0
  let high = offsets.length - 1
  while (high - low > 1) {
    const mid = (low + high) >>> 1
    if (offsets[mid] <= at) low = mid
    else high = mid
  }
  return low
}

function entryOf (contact: Contact, bytes: number): Entry {
  return { peerId: contact.peerId, username: normalize(contact.username), displayName: normalize(contact.displayName), contact, bytes }
}

function comparing (sortKey: SortKey): (a: Entry, b: Entry) => number {
  return (a, b) => compare(a[sortKey], a.peerId, b[sortKey], b.peerId)
}

function compare (aKey: string, aPeer: string, bKey: string, bPeer: string): number {
  if (aKey !== bKey) return aKey < bKey ? -1 : 1
  if (aPeer !== bPeer) return aPeer < bPeer ? -1 : 1
  return 0
}

/** index of the first entry whose (key, peerId) is >= the given pair */
function firstAtOrAfter (array: Entry[], sortKey: SortKey, key: string, peerId: string): number {
  let low = 0
  let high = array.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (compare(array[mid][sortKey], array[mid].peerId, key, peerId) < 0) low = mid + 1
    else high = mid
  }
  return low
}

function encodeCursor (cursor: Cursor): string {
  return toBase64(fromString(JSON.stringify([cursor.tier, cursor.key, cursor.peerId])))
}

function decodeCursor (text: string): Cursor {
  try {
    const [tier, key, peerId] = JSON.parse(toString(fromBase64(text, 'CURSOR_INVALID', 'cursor'))) as unknown[]
    if ((tier === 0 || tier === 1 || tier === 2) && typeof key === 'string' && typeof peerId === 'string') return { tier, key, peerId }
  } catch {}
  throw new BadRequestError('unknown cursor', 'CURSOR_INVALID')
}
