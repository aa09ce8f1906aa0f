export { createDirectory } from './directory.ts'
export type { Directory, DirectoryComponents, DirectoryInit, DirectoryUsage, SearchOptions, SearchPage, SearchQuery } from './directory.ts'
export {
  CONTACT_DOMAIN, USERNAME_PATTERN, MAX_DISPLAY_NAME_LENGTH, MAX_INBOXES,
  signContact, verifyContact, validateContact, encodeContact, decodeContact, contactToJSON, contactFromJSON
} from './contact.ts'
export type { Contact, ContactFields, ContactJSON } from './contact.ts'
