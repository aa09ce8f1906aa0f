/** A progress bar with bytes done of the total and a rate, fed by the client library's progress events. */
import { h } from './dom.ts'
import { formatBytes } from './format.ts'
import type { CafeProgressEvent } from '../client/progress.ts'

export interface ProgressView {
  readonly element: HTMLElement
  /** shows the bar for a new phase (`Packing`, `Uploading`…) */
  start(label: string, total?: number): void
  update(evt: CafeProgressEvent): void
  hide(): void
}

export function progressView (attrs: Record<string, string> = {}): ProgressView {
  const bar = h('progress', { max: '1', value: '0' })
  const text = h('span', { class: 'muted' })
  const element = h('div', { class: 'transfer', hidden: true, ...attrs }, bar, text)
  let label = ''
  let started = 0
  const render = (bytes: number, total?: number): void => {
    const seconds = (performance.now() - started) / 1000
    // a rate over the first moments is noise; the whole transfer's, once done, is not (however short)
    const done = total != null && total > 0 && bytes >= total
    const rate = (seconds > 0.2 || done) && bytes > 0 && seconds > 0 ? ` · ${formatBytes(bytes / seconds)}/s` : ''
    if (total != null && total > 0) {
      bar.max = total
      bar.value = Math.min(bytes, total)
    } else {
      bar.removeAttribute('value') // indeterminate
    }
    element.dataset.bytes = String(bytes)
    if (total != null) element.dataset.total = String(total)
    text.textContent = `${label}: ${formatBytes(bytes)}${total != null ? ` of ${formatBytes(total)}` : ''}${rate}`
  }
  return {
    element,
    start (next, total) {
      label = next
      started = performance.now()
      element.hidden = false
      element.dataset.phase = next
      delete element.dataset.total
      render(0, total)
    },
    update (evt) { render(evt.detail.bytes, evt.detail.total) },
    hide () { element.hidden = true }
  }
}
