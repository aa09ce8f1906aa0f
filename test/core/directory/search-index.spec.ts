import { describe, expect, it } from 'vitest'
import { ContactIndex, normalize } from '../../../src/core/directory/search-index.ts'
import type { Contact } from '../../../src/core/directory/contact.ts'

const contact = (peerId: string, username: string, displayName: string): Contact =>
  ({ v: 1, peerId, publicKey: new Uint8Array(1), username, displayName, inboxes: [], seq: 1, signature: new Uint8Array(1) })

/** the ranking spelled out naively: prefix of username, prefix of display name, substring */
function reference (contacts: Contact[], q: string): string[] {
  const rows = contacts.map(c => ({ id: c.peerId, u: normalize(c.username), d: normalize(c.displayName) }))
  const by = (key: 'u' | 'd') => (a: typeof rows[0], b: typeof rows[0]) => a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  const tier0 = rows.filter(r => r.u.startsWith(q)).sort(by('u'))
  const tier1 = rows.filter(r => !r.u.startsWith(q) && r.d.startsWith(q)).sort(by('d'))
  const tier2 = rows.filter(r => !r.u.startsWith(q) && !r.d.startsWith(q) && (r.u.includes(q) || r.d.includes(q))).sort(by('u'))
  return [...tier0, ...tier1, ...tier2].map(r => r.id)
}

describe('contact search index', () => {
  const letters = 'abcab'
  let seed = 7
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n }
  const word = (): string => Array.from({ length: 1 + rnd(5) }, () => letters[rnd(letters.length)]).join('')
  const contacts = Array.from({ length: 600 }, (_, i) => contact(`peer${String(i).padStart(4, '0')}`, word(), `${word().toUpperCase()} ${word()}`))

  it('pages of any size, followed by cursor, give exactly the reference ranking', () => {
    const index = new ContactIndex()
    index.load(contacts.slice(0, 400).map(c => ({ contact: c, bytes: 1 })))
    contacts.slice(400).forEach(c => { index.put(c, 1) })
    // replace and remove some, so the sorted arrays are edited in place
    for (let i = 0; i < 50; i++) index.put(contact(`peer${String(i * 7).padStart(4, '0')}`, word(), word()), 1)
    for (let i = 0; i < 30; i++) index.delete(`peer${String(i * 11 + 3).padStart(4, '0')}`)
    const current = contacts.map(c => index.get(c.peerId)?.contact).filter((c): c is Contact => c != null)

    for (const q of ['a', 'ab', 'bca', 'c a', 'cab', 'zz']) {
      for (const limit of [1, 7, 50]) {
        const seen: string[] = []
        let cursor: string | undefined
        do {
          const page = index.search(q, limit, cursor)
          expect(page.contacts.length).toBeLessThanOrEqual(limit)
          seen.push(...page.contacts.map(c => c.peerId))
          cursor = page.cursor
          // a cursor that does not advance must fail the test, not hang it
          expect(seen.length).toBeLessThanOrEqual(contacts.length)
        } while (cursor != null)
        expect(seen, `q=${q} limit=${limit}`).toEqual(reference(current, q))
      }
    }
  })

  it('a substring never matches across the username and display name boundary', () => {
    const index = new ContactIndex()
    index.load([{ contact: contact('p1', 'ab', 'cd'), bytes: 1 }, { contact: contact('p2', 'xy', 'zw'), bytes: 1 }])
    expect(index.search('bc', 10).contacts).toEqual([])
    expect(index.search('dx', 10).contacts).toEqual([])
    expect(index.search('b', 10).contacts.map(c => c.peerId)).toEqual(['p1'])
  })
})
