/** Quota forms and usage bars, shared by the default quota and each client's. */
import { formatBytes } from '../format.ts'
import { h } from '../dom.ts'
import type { Quota } from '../../core/types.ts'

const MiB = 1024 * 1024

/** MiB with at most three decimals: 52429 bytes shows as 0.05, not 0.0500001907348632. */
export function mebibytes (bytes: number): string {
  return String(Number((bytes / MiB).toFixed(3)))
}

/** Inputs for a quota (storage and inbox bytes in MiB), filled from `quota`; each shows its value in the unit that reads best. */
export function quotaFields (quota: Quota): HTMLElement[] {
  const field = (name: string, label: string, value: string, bytes: boolean): HTMLElement => {
    const input = h('input', { name, type: 'number', min: '0', step: bytes ? '0.001' : '1', required: true, inputmode: bytes ? 'decimal' : 'numeric', value })
    const hint = h('span', { class: 'muted' })
    const show = (): void => {
      const n = Number(input.value)
      hint.textContent = !input.validity.valid || input.value === '' ? (bytes ? 'a number of MiB, 0 or more' : 'a whole number, 0 or more') : bytes ? `= ${formatBytes(Math.round(n * MiB))}` : n === 0 ? '= none' : ''
    }
    input.addEventListener('input', show)
    show()
    return h('label', {}, label, ' ', input, hint)
  }
  return [
    field('storage-mib', 'Storage (MiB)', mebibytes(quota.storageBytes), true),
    field('inbox-messages', 'Inbox messages', String(quota.inboxMessages), false),
    field('inbox-mib', 'Inbox (MiB)', mebibytes(quota.inboxBytes), true)
  ]
}

/** The quota in the form; throws (with what to fix) when a field is not a number of 0 or more. */
export function quotaFromForm (form: HTMLFormElement): Quota {
  const data = new FormData(form)
  const read = (name: string, what: string): number => {
    const value = Number(String(data.get(name) ?? '').trim() || NaN)
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${what} must be a number, 0 or more`)
    return value
  }
  return {
    storageBytes: Math.round(read('storage-mib', 'Storage') * MiB),
    inboxMessages: Math.round(read('inbox-messages', 'Inbox messages')),
    inboxBytes: Math.round(read('inbox-mib', 'Inbox size') * MiB)
  }
}

/** A quota in words: "100.0 MiB storage, 1000 messages in 10.0 MiB of inbox". */
export function describeQuota (quota: Quota): string {
  return `${formatBytes(quota.storageBytes)} storage, ${quota.inboxMessages} inbox messages in ${formatBytes(quota.inboxBytes)}`
}

/** "used of limit" with a bar; `format` renders the numbers. */
export function usageBar (used: number, limit: number, format: (n: number) => string = formatBytes): HTMLElement {
  const ratio = limit > 0 ? Math.min(1, used / limit) : 1
  return h('div', { class: 'usage' },
    h('meter', { min: '0', max: '1', low: '0.7', high: '0.9', optimum: '0', value: String(ratio) }),
    ` ${format(used)} of ${format(limit)}`)
}
