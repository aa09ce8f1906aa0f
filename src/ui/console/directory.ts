/** The console's directory search box. */
import { byTestId, copyableId, h, statusLine } from '../dom.ts'
import type { CafeWorkerApi } from '../../worker/api.ts'
import type { Remote } from 'comlink'

export function mountDirectorySearch (cafe: Remote<CafeWorkerApi>): void {
  const form = byTestId<HTMLFormElement>('directory-search')
  const results = byTestId('directory-results')
  const status = statusLine(byTestId('directory-status'))
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const q = String(new FormData(form).get('q') ?? '').trim()
    status.busy('searching…')
    results.replaceChildren()
    void cafe.searchDirectory({ q }).then(page => {
      results.replaceChildren(...page.contacts.map(contact => h('li', { 'data-peer': contact.peerId },
        h('strong', {}, contact.displayName), ` @${contact.username} `, h('br'), copyableId(contact.peerId))))
      status.ok(page.contacts.length === 0 ? 'No contact matches.' : `${page.contacts.length} contact${page.contacts.length === 1 ? '' : 's'} found.`)
    }, err => { status.fail(err) })
  })
}
