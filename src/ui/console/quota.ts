/** Quota forms and usage bars, shared by the default quota and each client's. */
import { formatBytes } from '../format.ts'
import { h } from '../dom.ts'
import type { Quota } from '../../core/types.ts'

const MiB = 1024 * 1024

/** Inputs for a quota (storage and inbox bytes in MiB), filled from `quota`. */
export function quotaFields (quota: Quota): HTMLElement[] {
  const field = (name: string, label: string, value: number): HTMLElement =>
    h('label', {}, label, ' ', h('input', { name, type: 'number', min: '0', step: 'any', required: true, value: String(value) }))
  return [
    field('storage-mib', 'Storage (MiB)', quota.storageBytes / MiB),
    field('inbox-messages', 'Inbox messages', quota.inboxMessages),
    field('inbox-mib', 'Inbox (MiB)', quota.inboxBytes / MiB)
  ]
}

export function quotaFromForm (form: HTMLFormElement): Quota {
  const data = new FormData(form)
  return {
    storageBytes: Math.round(Number(data.get('storage-mib')) * MiB),
    inboxMessages: Math.round(Number(data.get('inbox-messages'))),
    inboxBytes: Math.round(Number(data.get('inbox-mib')) * MiB)
  }
}

/** "used of limit" with a bar; `format` renders the numbers. */
export function usageBar (used: number, limit: number, format: (n: number) => string = formatBytes): HTMLElement {
  const ratio = limit > 0 ? Math.min(1, used / limit) : 1
  return h('div', { class: 'usage' },
    h('meter', { min: '0', max: '1', low: '0.7', high: '0.9', optimum: '0', value: String(ratio) }),
    ` ${format(used)} of ${format(limit)}`)
}
