/**
 * Reachability in the console: relays and their reservations, the cafe address (copy,
 * link, QR code), whether a page carries WebRTC for the worker, and the connections the
 * cafe has now with the transport of each.
 */
import qrcode from 'qrcode-generator'
import { cafeAddressLink } from '../../core/address/index.ts'
import { byTestId, h, reportError } from '../dom.ts'
import { formatBytes } from '../format.ts'
import type { CafeWorkerApi } from '../../worker/api.ts'
import type { NetworkStatus, PeerConnectionStatus, RelayStatus } from '../../worker/webrtc/network.ts'
import type { Remote } from 'comlink'

export interface ConnectionsInit {
  /** this page's id as WebRTC host, if it offered to host */
  hostId?: string
  /** relays for this session only (the cafe page's `?relay=`) */
  sessionRelays?: string[]
}

function since (ms: number): string {
  const seconds = Math.max(0, Math.round((Date.now() - ms) / 1000))
  return seconds < 90 ? `${seconds} s` : `${Math.round(seconds / 60)} min`
}

function relayRow (cafe: Remote<CafeWorkerApi>, relay: RelayStatus, refresh: () => Promise<void>): HTMLTableRowElement {
  const state = relay.reserved
    ? h('span', { 'data-testid': 'relay-state', 'data-reserved': 'true' }, `reserved (${since(relay.since)})`)
    : h('span', { 'data-testid': 'relay-state', 'data-reserved': 'false', class: relay.error != null ? 'error' : '' },
      relay.error != null ? `not reserved for ${since(relay.since)}: ${relay.error}` : 'reserving…')
  return h('tr', { 'data-relay': relay.relay },
    h('td', { class: 'wrap' }, h('code', {}, relay.relay)),
    h('td', {}, state),
    h('td', {}, relay.saved ? 'saved' : 'this session'),
    h('td', {}, h('button', { type: 'button', 'data-testid': 'remove-relay', onclick: () => { void cafe.removeRelay(relay.relay).then(refresh) } }, 'Remove')))
}

function connectionRow (connection: PeerConnectionStatus): HTMLTableRowElement {
  const bytes = connection.bytesIn != null ? `${formatBytes(connection.bytesIn)} in, ${formatBytes(connection.bytesOut ?? 0)} out` : 'not counted'
  return h('tr', { 'data-peer': connection.peer, 'data-transport': connection.transport },
    h('td', { class: 'wrap' }, h('code', {}, connection.peer)),
    h('td', { 'data-testid': 'peer-transport' }, connection.transport + (connection.limited ? ' (limited)' : '')),
    h('td', {}, connection.direction),
    h('td', { class: 'wrap' }, h('code', {}, connection.remoteAddr)),
    h('td', {}, since(connection.openedAt)),
    h('td', {}, bytes))
}

function webRtcLine (status: NetworkStatus, hostId?: string): string {
  if (status.webrtc == null) return 'this context has its own WebRTC'
  const { host, hosts, peerConnections } = status.webrtc
  if (host == null) return status.webrtc.message ?? 'no page is open to carry WebRTC; reachable over the relay only'
  const who = host.id === hostId ? 'this page' : 'another open cafe page'
  return `carried by ${who} (${hosts} page(s) can carry it); ${peerConnections.length} WebRTC connection(s)`
}

export function mountConnections (cafe: Remote<CafeWorkerApi>, init: ConnectionsInit = {}): () => Promise<void> {
  const form = byTestId<HTMLFormElement>('relay-form')
  const formStatus = byTestId('relay-form-status')
  const relays = byTestId('relay-list')
  const peers = byTestId('peer-list')
  const address = byTestId('cafe-address')
  const link = byTestId<HTMLAnchorElement>('cafe-link')
  const qr = byTestId('cafe-qr')
  let shown: string | null | undefined

  const showAddress = (cafeAddress: string | null): void => {
    if (cafeAddress === shown) return
    shown = cafeAddress
    if (cafeAddress == null) {
      address.textContent = 'none yet: add a relay and wait for a reservation'
      link.removeAttribute('href')
      link.textContent = ''
      qr.replaceChildren()
      return
    }
    const url = cafeAddressLink(cafeAddress, location.origin)
    address.textContent = cafeAddress
    link.href = url
    link.textContent = url
    const code = qrcode(0, 'L')
    code.addData(url)
    code.make()
    qr.innerHTML = code.createSvgTag({ cellSize: 3, margin: 2, scalable: true })
  }

  const refresh = async (): Promise<void> => {
    const status = await cafe.network()
    byTestId('webrtc-host').textContent = webRtcLine(status, init.hostId)
    byTestId('webrtc-host').dataset.hosted = String(status.webrtc?.host != null)
    relays.replaceChildren(...status.relays.map(relay => relayRow(cafe, relay, refresh)))
    if (status.relays.length === 0) relays.append(h('tr', {}, h('td', { colspan: '4', class: 'empty' }, 'No relay: other peers cannot reach this cafe.')))
    showAddress(status.cafeAddress)
    peers.replaceChildren(...status.connections.map(connectionRow))
    if (status.connections.length === 0) peers.append(h('tr', {}, h('td', { colspan: '6', class: 'empty' }, 'No connections.')))
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const relay = String(new FormData(form).get('relay') ?? '').trim()
    formStatus.classList.remove('error')
    formStatus.textContent = 'reserving…'
    void cafe.addRelay(relay).then(() => { formStatus.textContent = ''; form.reset() }, err => { reportError(formStatus, err) }).finally(refresh)
  })
  byTestId('copy-address').addEventListener('click', () => {
    if (shown != null) void navigator.clipboard.writeText(shown).catch(() => {})
  })

  for (const relay of init.sessionRelays ?? []) {
    void cafe.addRelay(relay, { save: false }).catch(err => { reportError(formStatus, err) }).finally(refresh)
  }
  return refresh
}
