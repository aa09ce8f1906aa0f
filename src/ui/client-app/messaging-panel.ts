/**
 * The demo client's contact, directory and inbox panel: publish a signed contact,
 * search the directory (every result's signature is checked), send an encrypted
 * message to a contact's inboxes, and read, verify and acknowledge waiting messages.
 */
import {
  CafeInbox, HttpTransport, deliverMessage, httpInboxAddress, publishContact, searchDirectory, transportForInbox,
  type CafeClient, type CafeTransport
} from '../../client/index.ts'
import { byTestId, formatTime, h } from '../dom.ts'
import type { Output } from './backup-panel.ts'
import type { Contact } from '../../core/directory/index.ts'
import type { PrivateKey } from '@libp2p/interface'

export interface Account {
  client: CafeClient
  key: PrivateKey
}

/** The contact's inboxes this page can reach (HTTP ones; libp2p ones need a node). */
function reachableInboxes (contact: Contact): CafeTransport[] {
  const transports: CafeTransport[] = []
  for (const address of contact.inboxes) {
    try { transports.push(transportForInbox(address)) } catch { /* not reachable from here */ }
  }
  return transports
}

function contactItem (account: () => Account, contact: Contact, output: Output): HTMLLIElement {
  const message = h('input', { placeholder: 'message', 'data-testid': 'message-text' })
  const send = h('button', {
    type: 'button',
    'data-testid': 'send-message',
    onclick: () => {
      const text = new TextEncoder().encode(message.value)
      void deliverMessage(account().key, contact.peerId, text, { cafes: reachableInboxes(contact) })
        .then(receipt => output.show(`delivered (${receipt.id})`), output.fail)
    }
  }, 'Send')
  return h('li', { 'data-peer': contact.peerId },
    h('strong', {}, contact.displayName), ` @${contact.username} `, h('span', { class: 'muted' }, '✔ signature checked'), h('br'),
    h('code', {}, contact.peerId), h('br'),
    h('span', { class: 'muted', 'data-testid': 'contact-inboxes' }, `inboxes: ${contact.inboxes.join(', ') || 'none'}`), h('br'),
    message, ' ', send)
}

export function mountMessaging (account: () => Account, output: Output): void {
  const contactForm = byTestId<HTMLFormElement>('contact-form')
  contactForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const data = new FormData(contactForm)
    const { client, key } = account()
    void client.info().then(async info => publishContact(client, key, {
      username: String(data.get('username')),
      displayName: String(data.get('displayName')),
      inboxes: [httpInboxAddress(location.origin, info.peerId)]
    })).then(contact => output.show(`published @${contact.username} (seq ${contact.seq})`), output.fail)
  })

  const searchForm = byTestId<HTMLFormElement>('search-form')
  searchForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const q = String(new FormData(searchForm).get('q'))
    void searchDirectory(new HttpTransport(location.origin), { q }).then(page => {
      byTestId('search-results').replaceChildren(...page.contacts.map(contact => contactItem(account, contact, output)))
      output.show(`${page.contacts.length} contact(s) found${page.rejected > 0 ? `, ${page.rejected} with a bad signature dropped` : ''}`)
    }, output.fail)
  })

  byTestId('check-inbox').addEventListener('click', () => {
    const { client, key } = account()
    const inbox = new CafeInbox(client, key)
    void inbox.readAll().then(messages => {
      byTestId('inbox-messages').replaceChildren(...messages.map(message => h('li', { 'data-message': message.id },
        h('span', { 'data-testid': 'message-plaintext' }, new TextDecoder().decode(message.plaintext)), ' ',
        h('span', { class: 'muted' }, `from `), h('code', { 'data-testid': 'message-from' }, message.from),
        h('span', { class: 'muted' }, ` (signature checked), sent ${formatTime(message.sentAt)} `),
        h('button', {
          type: 'button',
          'data-testid': 'ack-message',
          onclick: () => { void inbox.ack([message.id]).then(() => { output.show('acknowledged'); byTestId('check-inbox').click() }, output.fail) }
        }, 'Acknowledge'))))
      output.show(`${messages.length} message(s) waiting`)
    }, output.fail)
  })
}
