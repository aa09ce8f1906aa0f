/** The console's directory search box. */
import { byTestId, h, reportError } from '../dom.ts'
import type { CafeWorkerApi } from '../../worker/api.ts'
import type { Remote } from 'comlink'

export function mountDirectorySearch (cafe: Remote<CafeWorkerApi>): void {
  const form = byTestId<HTMLFormElement>('directory-search')
  const results = byTestId('directory-results')
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const q = String(new FormData(form).get('q') ?? '').trim()
    void cafe.searchDirectory({ q }).then(page => {
      results.replaceChildren(...page.contacts.map(contact => h('li', { 'data-peer': contact.peerId },
        h('strong', {}, contact.displayName), ` @${contact.username} `, h('code', {}, contact.peerId))))
      if (page.contacts.length === 0) results.replaceChildren(h('li', { class: 'empty' }, 'No contact matches.'))
    }, err => { results.replaceChildren(); reportError(results, err) })
  })
}
