/**
 * Registered clients: usage against quota, their own quota, and removal.
 */
import { byTestId, copyableId, errorText, formatTime, h, reportError, statusLine } from '../dom.ts'
import { formatBytes } from '../format.ts'
import { replicaLine } from '../replicas.ts'
import { describeQuota, quotaFields, quotaFromForm, usageBar } from './quota.ts'
import type { CafeWorkerApi } from '../../worker/api.ts'
import type { ClientInfo } from '../../core/accounts/index.ts'
import type { NameInfo } from '../../core/names/names.ts'
import type { Remote } from 'comlink'

/** What the storage quota limits: the ledger's `storageBytes` (pins and snapshots). */
function storageUsed (usage: Record<string, number>): number {
  return usage.storageBytes ?? (usage.pinBytes ?? 0) + (usage.snapshotBytes ?? 0)
}

/** The client's pin requests with their status, loaded when opened. */
function pinList (cafe: Remote<CafeWorkerApi>, account: string, count: number): HTMLElement {
  const list = h('ul', { 'data-testid': 'client-pin-list' })
  const details = h('details', { 'data-testid': 'client-pins' }, h('summary', {}, `Pin requests (${count} pinned)`), list)
  details.addEventListener('toggle', () => {
    if (!details.open) return
    void cafe.clientPins(account).then(({ results }) => {
      list.replaceChildren(...results.map(pin => h('li', { 'data-status': pin.status },
        h('strong', {}, pin.status), ` ${pin.pin.name ?? '(no name)'} `, h('code', { class: 'id', title: pin.pin.cid }, pin.pin.cid),
        pin.info?.dag_size != null && ` ${formatBytes(Number(pin.info.dag_size))}`, replicaLine(pin))))
      if (results.length === 0) list.replaceChildren(h('li', { class: 'empty' }, 'No pins.'))
    }, err => reportError(list, err))
  })
  return details
}

/** The contact the client published, filled in when the directory answers. */
function directoryEntry (cafe: Remote<CafeWorkerApi>, account: string): HTMLElement {
  const entry = h('div', { class: 'muted', 'data-testid': 'client-contact' }, 'listed in the directory')
  void cafe.searchDirectory({ peerId: account }).then(({ contacts: [contact] }) => {
    if (contact != null) entry.textContent = `listed as @${contact.username} (${contact.displayName})`
  }, () => {})
  return entry
}

/** Each client's names as last loaded, so the redraw every 2 s does not blank the list. */
const namesSeen = new Map<string, NameInfo[]>()

/** The IPNS names the client hosts here, with their sequence and expiry. */
function nameList (cafe: Remote<CafeWorkerApi>, account: string): HTMLElement {
  const list = h('ul', { 'data-testid': 'client-names' })
  const show = (names: NameInfo[]): void => {
    list.replaceChildren(...names.map(name => h('li', { 'data-name': name.name },
      'IPNS ', h('code', { class: 'id', title: name.name }, name.name), ` → ${name.value}`,
      h('span', { class: 'muted' }, ` sequence ${name.sequence}, ${name.validUntil < Date.now() ? 'expired' : 'valid until'} ${formatTime(name.validUntil)}`))))
  }
  show(namesSeen.get(account) ?? [])
  void cafe.clientNames(account).then(names => { namesSeen.set(account, names); show(names) }, err => reportError(list, err))
  return list
}

/** What each row's status line said, kept across the redraws every 2 s. */
const rowMessages = new Map<string, { text: string, error: boolean }>()

function clientRow (cafe: Remote<CafeWorkerApi>, client: ClientInfo, refresh: () => Promise<void>): HTMLTableRowElement {
  const status = statusLine(h('p', { 'data-testid': 'client-status' }))
  const show = ({ text, error }: { text: string, error: boolean }): void => {
    if (error) status.fail(new Error(text))
    else status.ok(text)
  }
  const kept = rowMessages.get(client.account)
  if (kept != null) show(kept)
  const say = (text: string, error = false): void => {
    rowMessages.set(client.account, { text, error })
    setTimeout(() => { if (rowMessages.get(client.account)?.text === text) rowMessages.delete(client.account) }, 8_000)
    show({ text, error })
  }
  const run = (work: () => Promise<unknown>, done: string): void => {
    status.busy('saving…')
    void work().then(() => { say(done); return refresh() }, err => { say(errorText(err), true) })
  }
  const quotaForm = h('form', { class: 'inline' }, ...quotaFields(client.quota),
    h('button', { type: 'submit' }, 'Set'),
    client.quotaOverride != null && h('button', { type: 'button', onclick: () => { run(async () => cafe.resetClientQuota(client.account), 'Now on the default quota.') } }, 'Use default'))
  quotaForm.addEventListener('submit', (event) => {
    event.preventDefault()
    let quota
    try { quota = quotaFromForm(quotaForm) } catch (err) { say(errorText(err), true); return }
    run(async () => cafe.setClientQuota(client.account, quota), `Saved: ${describeQuota(quota)}.`)
  })
  const usage = client.usage
  return h('tr', { 'data-account': client.account },
    h('td', {}, copyableId(client.account)),
    h('td', {}, formatTime(client.registeredAt), h('br'), h('span', { class: 'muted' }, `last seen ${formatTime(client.lastSeen)}`)),
    h('td', {},
      h('div', {}, 'Storage', usageBar(storageUsed(usage), client.quota.storageBytes)),
      h('div', {}, `Inbox (${usage.inboxMessages ?? 0} of ${client.quota.inboxMessages} messages)`, usageBar(usage.inboxBytes ?? 0, client.quota.inboxBytes)),
      h('div', { class: 'muted' }, `${usage.pins ?? 0} pins (${formatBytes(usage.pinBytes ?? 0)}), ${usage.snapshots ?? 0} snapshots (${formatBytes(usage.snapshotBytes ?? 0)})`),
      // every request, failed ones too, though usage counts only the pinned
      usage.pins != null && pinList(cafe, client.account, usage.pins),
      (usage.directoryContacts ?? 0) > 0 && directoryEntry(cafe, client.account),
      (usage.names ?? 0) > 0 && nameList(cafe, client.account)),
    h('td', {}, quotaForm, status.element),
    h('td', {}, h('button', {
      type: 'button',
      'data-testid': 'remove-client',
      onclick: () => {
        if (!confirm(`Remove ${client.account} and delete everything stored for it?`)) return
        status.busy('removing…')
        void cafe.removeClient(client.account).then(refresh, err => { say(errorText(err), true) })
      }
    }, 'Remove'))
  )
}

export function mountClients (cafe: Remote<CafeWorkerApi>): () => Promise<void> {
  const list = byTestId('client-list')
  const defaultForm = byTestId<HTMLFormElement>('default-quota-form')
  const defaultStatus = statusLine(byTestId('default-quota-status'))

  const refresh = async (): Promise<void> => {
    const [clients, quota] = await Promise.all([cafe.listClients(), cafe.getDefaultQuota()])
    // a redraw keeps the pin lists that were open
    const open = new Set([...list.querySelectorAll<HTMLElement>('tr[data-account]:has(details[open])')].map(row => row.dataset.account))
    list.replaceChildren(...clients.map(client => clientRow(cafe, client, refresh)))
    for (const row of list.querySelectorAll<HTMLElement>('tr[data-account]')) {
      const details = row.querySelector('details')
      if (details != null && open.has(row.dataset.account)) details.open = true
    }
    if (clients.length === 0) list.append(h('tr', {}, h('td', { colspan: '5', class: 'empty' }, 'No clients yet.')))
    if (!defaultForm.contains(document.activeElement)) {
      defaultForm.replaceChildren(...quotaFields(quota), h('button', { type: 'submit', class: 'primary' }, 'Save default'))
    }
  }

  defaultForm.addEventListener('submit', (event) => {
    event.preventDefault()
    let quota
    try { quota = quotaFromForm(defaultForm) } catch (err) { defaultStatus.fail(err); return }
    defaultStatus.busy('saving…')
    void cafe.setDefaultQuota(quota).then(() => {
      defaultStatus.ok(`Saved: new clients get ${describeQuota(quota)}.`)
      return refresh()
    }, err => defaultStatus.fail(err))
  })
  return refresh
}
