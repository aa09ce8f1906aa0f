/**
 * Access tokens: create one (label, expiry, uses) and copy it once; list and revoke.
 */
import { byTestId, copyButton, formatTime, h, idCode, statusLine } from '../dom.ts'
import type { CafeWorkerApi } from '../../worker/api.ts'
import type { TokenInfo } from '../../core/accounts/index.ts'
import type { Remote } from 'comlink'

const DAY_MS = 24 * 60 * 60 * 1000

function tokenRow (cafe: Remote<CafeWorkerApi>, token: TokenInfo, refresh: () => Promise<void>): HTMLTableRowElement {
  const usedBy = token.usedBy.length === 0 ? ['nobody yet'] : token.usedBy.map(use => idCode(use.account))
  return h('tr', { 'data-token-id': token.id },
    h('td', {}, token.label !== '' ? token.label : h('span', { class: 'muted' }, '(no label)')),
    h('td', {}, idCode(token.id)),
    h('td', {}, formatTime(token.createdAt)),
    h('td', {}, formatTime(token.expiresAt)),
    h('td', {}, token.usesLeft ?? 'unlimited'),
    h('td', {}, ...usedBy),
    h('td', {}, h('button', {
      type: 'button',
      'data-testid': 'revoke-token',
      onclick: () => { void cafe.revokeToken(token.id).then(refresh) }
    }, 'Revoke'))
  )
}

export function mountTokens (cafe: Remote<CafeWorkerApi>): () => Promise<void> {
  const form = byTestId<HTMLFormElement>('token-form')
  const list = byTestId('token-list')
  const created = statusLine(byTestId('token-created'))

  const refresh = async (): Promise<void> => {
    const tokens = await cafe.listTokens()
    list.replaceChildren(...tokens.map(token => tokenRow(cafe, token, refresh)))
    if (tokens.length === 0) list.append(h('tr', {}, h('td', { colspan: '7', class: 'empty' }, 'No tokens. Create one to let a client register.')))
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const data = new FormData(form)
    const days = Number(data.get('expires-days') ?? 0)
    const uses = Number(data.get('uses') ?? 0)
    const label = String(data.get('label') ?? '').trim()
    if (!Number.isInteger(days) || days < 0 || !Number.isInteger(uses) || uses < 0) {
      created.fail(new RangeError('Days and uses must be whole numbers, 0 or more'))
      return
    }
    created.busy('creating…')
    void cafe.createToken({
      label: label !== '' ? label : undefined,
      expiresAt: days > 0 ? Date.now() + days * DAY_MS : null,
      uses: uses > 0 ? uses : null
    }).then(token => {
      const secret = h('code', { 'data-testid': 'token-secret' }, token.token)
      created.ok('')
      created.element.append('New token (shown once, copy it now and give it to the client): ', secret, ' ', copyButton(() => token.token, { 'data-testid': 'copy-token' }))
      form.reset()
      return refresh()
    }, err => created.fail(err))
  })
  return refresh
}
