/**
 * Registered clients: usage against quota, their own quota, and removal.
 */
import { byTestId, formatTime, h, reportError } from '../dom.ts'
import { formatBytes } from '../format.ts'
import { quotaFields, quotaFromForm, usageBar } from './quota.ts'
import type { CafeWorkerApi } from '../../worker/api.ts'
import type { ClientInfo } from '../../core/accounts/index.ts'
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
        h('strong', {}, pin.status), ` ${pin.pin.name ?? '(no name)'} `, h('code', {}, pin.pin.cid),
        pin.info?.dag_size != null && ` ${formatBytes(Number(pin.info.dag_size))}`)))
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

function clientRow (cafe: Remote<CafeWorkerApi>, client: ClientInfo, refresh: () => Promise<void>): HTMLTableRowElement {
  const status = h('span', { class: 'muted' })
  const quotaForm = h('form', { class: 'inline' }, ...quotaFields(client.quota),
    h('button', { type: 'submit' }, 'Set'),
    client.quotaOverride != null && h('button', { type: 'button', onclick: () => { void cafe.resetClientQuota(client.account).then(refresh, err => reportError(status, err)) } }, 'Use default'),
    status)
  quotaForm.addEventListener('submit', (event) => {
    event.preventDefault()
    void cafe.setClientQuota(client.account, quotaFromForm(quotaForm)).then(refresh, err => reportError(status, err))
  })
  const usage = client.usage
  return h('tr', { 'data-account': client.account },
    h('td', {}, h('code', {}, client.account)),
    h('td', {}, formatTime(client.registeredAt), h('br'), h('span', { class: 'muted' }, `last seen ${formatTime(client.lastSeen)}`)),
    h('td', {},
      h('div', {}, 'Storage', usageBar(storageUsed(usage), client.quota.storageBytes)),
      h('div', {}, `Inbox (${usage.inboxMessages ?? 0} of ${client.quota.inboxMessages} messages)`, usageBar(usage.inboxBytes ?? 0, client.quota.inboxBytes)),
      h('div', { class: 'muted' }, `${usage.pins ?? 0} pins (${formatBytes(usage.pinBytes ?? 0)}), ${usage.snapshots ?? 0} snapshots (${formatBytes(usage.snapshotBytes ?? 0)})`),
      // every request, failed ones too, though usage counts only the pinned
      usage.pins != null && pinList(cafe, client.account, usage.pins),
      (usage.directoryContacts ?? 0) > 0 && directoryEntry(cafe, client.account)),
    h('td', {}, quotaForm),
    h('td', {}, h('button', {
      type: 'button',
      'data-testid': 'remove-client',
      onclick: () => {
        if (confirm(`Remove ${client.account} and delete everything stored for it?`)) void cafe.removeClient(client.account).then(refresh)
      }
    }, 'Remove'))
  )
}

export function mountClients (cafe: Remote<CafeWorkerApi>): () => Promise<void> {
  const list = byTestId('client-list')
  const defaultForm = byTestId<HTMLFormElement>('default-quota-form')
  const defaultStatus = byTestId('default-quota-status')

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
      defaultForm.replaceChildren(...quotaFields(quota), h('button', { type: 'submit' }, 'Save default'))
    }
  }

  defaultForm.addEventListener('submit', (event) => {
    event.preventDefault()
    defaultStatus.classList.remove('error')
    void cafe.setDefaultQuota(quotaFromForm(defaultForm)).then(() => {
      defaultStatus.textContent = 'Saved.'
      return refresh()
    }, err => reportError(defaultStatus, err))
  })
  return refresh
}
