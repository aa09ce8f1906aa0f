/**
 * The directory for an app: publish the account's signed contact to its cafe, and
 * search any cafe's directory, keeping only contacts whose signature checks out.
 */
import { contactFromJSON, contactToJSON, signContact, verifyContact, type Contact, type ContactFields, type ContactJSON } from '../core/directory/index.ts'
import type { CafeClient } from './cafe-client.ts'
import type { CafeTransport } from './transport.ts'
import type { SearchQuery } from '../core/directory/index.ts'
import type { AbortOptions } from '../core/types.ts'
import type { PrivateKey } from '@libp2p/interface'

export async function publishContact (client: CafeClient, accountKey: PrivateKey, fields: Omit<ContactFields, 'seq'> & { seq?: number }, options?: AbortOptions): Promise<Contact> {
  const contact = await signContact(accountKey, { ...fields, seq: fields.seq ?? Date.now() }, options)
  await client.call('directory.publish', { contact: contactToJSON(contact) }, options)
  return contact
}

export interface VerifiedSearchPage {
  contacts: Contact[]
  /** contacts the cafe returned whose signature did not check out */
  rejected: number
  cursor?: string
}

/** Searches a cafe's directory (no registration needed) and verifies every contact. */
export async function searchDirectory (cafe: CafeTransport, query: SearchQuery, options?: AbortOptions): Promise<VerifiedSearchPage> {
  const page = await cafe.request('directory.search', query, undefined, options) as { contacts: ContactJSON[], cursor?: string }
  const contacts: Contact[] = []
  let rejected = 0
  for (const json of page.contacts) {
    try {
      const contact = contactFromJSON(json)
      await verifyContact(contact, options)
      contacts.push(contact)
    } catch {
      rejected++
    }
  }
  return { contacts, rejected, ...(page.cursor != null ? { cursor: page.cursor } : {}) }
}
