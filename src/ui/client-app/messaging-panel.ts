/**
 * The demo client's contact, directory and inbox panel: publish a signed contact,
 * search the directory (every result's signature is checked), send an encrypted
 * message to a contact's inboxes, and read, verify and acknowledge waiting messages.
 * A message's sender is named from the directory when it has a signed contact for it.
 */
import {
  CafeInbox, deliverMessage, publishContact, searchDirectory, transportForInbox,
  type CafeClient, type CafeTransport, type ProtocolDialer
} from '../../client/index.ts'
import { answerErrorText, byTestId, copyableId, formatTime, h, statusLine } from '../dom.ts'
import type { PanelInit } from './backup-panel.ts'
import type { StatusLine } from '../dom.ts'
import type { Contact } from '../../core/directory/index.ts'
import type { PrivateKey } from '@libp2p/interface'

export interface Account {
  client: CafeClient
  key: PrivateKey
  /** how this page reaches its cafe now (its directory is searched through it) */
  transport: CafeTransport
  /** this account's inbox addresses, for its contact */
  inboxes: string[]
  /** the page's libp2p node, once connected to a cafe address */
  libp2p?: ProtocolDialer
}

/**
 * The contact's inboxes this page can reach: one of the cafe this page is connected to goes
 * through that connection (whatever the address says); others over HTTP, or libp2p once
 * the page has a node.
 */
function reachableInboxes (contact: Contact, { client, transport, libp2p }: Account): CafeTransport[] {
  const connected = (cafe: string): CafeTransport | undefined => cafe === client.cafePeerId ? transport : undefined
  const transports: CafeTransport[] = []
  for (const address of contact.inboxes) {
    try { transports.push(transportForInbox(address, { connected, libp2p })) } catch { /* not reachable from here */ }
  }
  // the connected cafe first: it is reachable for sure
  return [...transports.filter(t => t === transport), ...transports.filter(t => t !== transport)]
}

function contactItem (account: () => Account, contact: Contact, status: StatusLine, onError: (err: unknown) => void): HTMLLIElement {
  const message = h('input', { placeholder: 'message', 'data-testid': 'message-text', 'aria-label': `message to @${contact.username}` })
  const send = h('button', {
    type: 'button',
    'data-testid': 'send-message',
    onclick: () => {
      const text = new TextEncoder().encode(message.value)
      status.busy(`sending to @${contact.username}…`)
      void deliverMessage(account().key, contact.peerId, text, { cafes: reachableInboxes(contact, account()) })
        .then(receipt => { status.ok(`delivered (${receipt.id})`); message.value = '' }, err => { status.fail(err); onError(err) })
    }
  }, 'Send')
  return h('li', { 'data-peer': contact.peerId },
    h('strong', {}, contact.displayName), ` @${contact.username} `, h('span', { class: 'muted' }, '✔ signature checked'), h('br'),
    copyableId(contact.peerId), h('br'),
    h('span', { class: 'muted', 'data-testid': 'contact-inboxes' }, `inboxes: ${contact.inboxes.join(', ') || 'none'}`), h('br'),
    h('span', { class: 'actions' }, message, send))
}

/** "Name (@user)" for a peer the directory has a signed contact for, else undefined. */
async function directoryName (transport: CafeTransport, peerId: string, names: Map<string, Promise<string | undefined>>): Promise<string | undefined> {
  let name = names.get(peerId)
  if (name == null) {
    name = searchDirectory(transport, { peerId }).then(
      ({ contacts }) => contacts.find(contact => contact.peerId === peerId),
      () => undefined
    ).then(contact => contact != null ? `${contact.displayName} (@${contact.username})` : undefined)
    names.set(peerId, name)
  }
  return name
}

export interface MessagingPanel {
  /** receives pushed messages while signed in over a transport that pushes (libp2p); stops otherwise */
  listen(signedIn: boolean): void
}

export function mountMessaging (account: () => Account, init: PanelInit): MessagingPanel {
  const contactStatus = statusLine(byTestId('contact-status'), answerErrorText)
  const inboxStatus = statusLine(byTestId('inbox-status'), answerErrorText)
  const contactFailed = (err: unknown): void => { contactStatus.fail(err); init.onError(err) }

  const contactForm = byTestId<HTMLFormElement>('contact-form')
  contactForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const data = new FormData(contactForm)
    const { client, key, inboxes } = account()
    contactStatus.busy('publishing…')
    void publishContact(client, key, {
      username: String(data.get('username')),
      displayName: String(data.get('displayName')),
      inboxes
    }).then(contact => contactStatus.ok(`published @${contact.username} (seq ${contact.seq})`), contactFailed)
  })

  const searchForm = byTestId<HTMLFormElement>('search-form')
  searchForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const q = String(new FormData(searchForm).get('q'))
    contactStatus.busy('searching…')
    void searchDirectory(account().transport, { q }).then(page => {
      byTestId('search-results').replaceChildren(...page.contacts.map(contact => contactItem(account, contact, contactStatus, init.onError)))
      contactStatus.ok(`${page.contacts.length} contact(s) found${page.rejected > 0 ? `, ${page.rejected} with a bad signature dropped` : ''}`)
    }, contactFailed)
  })

  const names = new Map<string, Promise<string | undefined>>()
  byTestId('check-inbox').addEventListener('click', () => {
    const { client, key, transport } = account()
    const inbox = new CafeInbox(client, key)
    inboxStatus.busy('checking…')
    void inbox.readAll().then(messages => {
      byTestId('inbox-messages').replaceChildren(...messages.map(message => {
        const sender = h('strong', { 'data-testid': 'message-sender' })
        void directoryName(transport, message.from, names).then(name => { if (name != null) sender.textContent = name })
        return h('li', { 'data-message': message.id },
          h('span', { 'data-testid': 'message-plaintext' }, new TextDecoder().decode(message.plaintext)), h('br'),
          h('span', { class: 'muted' }, 'from '), sender, ' ', h('code', { class: 'id', title: message.from, 'data-testid': 'message-from' }, message.from),
          h('br'), h('span', { class: 'muted' }, `signature checked, sent ${formatTime(message.sentAt)} `),
          h('button', {
            type: 'button',
            class: 'small',
            'data-testid': 'ack-message',
            onclick: () => {
              inboxStatus.busy('acknowledging…')
              void inbox.ack([message.id]).then(() => { inboxStatus.ok('acknowledged'); byTestId('check-inbox').click() }, err => { inboxStatus.fail(err); init.onError(err) })
            }
          }, 'Acknowledge'))
      }))
      inboxStatus.ok(`${messages.length} message(s) waiting`)
    }, err => { inboxStatus.fail(err); init.onError(err) })
  })

  const live = byTestId('inbox-live')
  let listening: { client: CafeClient, controller: AbortController } | undefined
  return {
    listen (signedIn) {
      const { client, key, transport } = account()
      const wanted = signedIn && transport.subscribeInbox != null
      if (wanted && listening?.client === client && !listening.controller.signal.aborted) return
      listening?.controller.abort()
      listening = undefined
      live.textContent = ''
      if (!wanted) return
      const controller = new AbortController()
      listening = { client, controller }
      live.textContent = 'listening: new messages arrive by themselves'
      void new CafeInbox(client, key).subscribe(message => {
        live.textContent = `a message arrived at ${formatTime(message.receivedAt)}`
        byTestId('check-inbox').click()
      }, { signal: controller.signal, retryMs: 5_000 })
    }
  }
}
