/**
 * Reachability in the console: relays and their reservations, the cafe address (copy,
 * link, QR code), whether a page carries WebRTC for the worker, and the connections the
 * cafe has now with the transport of each.
 */
import qrcode from 'qrcode-generator'
import { cafeAddressLink } from '../../core/address/index.ts'
import { byTestId, copyableId, h, statusLine } from '../dom.ts'
import { formatBytes } from '../format.ts'
import type { CafeWorkerApi } from '../../worker/api.ts'
import type { NetworkStatus, PeerConnectionStatus, RelayStatus } from '../../worker/network.ts'
import type { Remote } from 'comlink'

export interface ConnectionsInit {
  /** this page's id as WebRTC host, if it offered to host */
  hostId?: string
  /** relays for this session only (the cafe page's `?relay=`) */
  sessionRelays?: string[]
  /** called with every network status shown (the console's Node box follows it) */
  onStatus?(status: NetworkStatus): void
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
    h('td', {}, copyableId(relay.relay)),
    h('td', {}, state),
    h('td', {}, relay.saved ? 'saved' : 'this session'),
    h('td', {}, h('button', { type: 'button', 'data-testid': 'remove-relay', onclick: () => { void cafe.removeRelay(relay.relay).then(refresh) } }, 'Remove')))
}

function connectionRow (connection: PeerConnectionStatus): HTMLTableRowElement {
  const bytes = connection.bytesIn != null ? `${formatBytes(connection.bytesIn)} in, ${formatBytes(connection.bytesOut ?? 0)} out` : 'not counted'
  return h('tr', { 'data-peer': connection.peer, 'data-transport': connection.transport },
    h('td', {}, copyableId(connection.peer)),
    h('td', { 'data-testid': 'peer-transport' }, connection.transport + (connection.limited ? ' (limited)' : '')),
    h('td', {}, connection.direction),
    h('td', {}, copyableId(connection.remoteAddr)),
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
  const formStatus = statusLine(byTestId('relay-form-status'))
  const relays = byTestId('relay-list')
  const peers = byTestId('peer-list')
  const address = byTestId('cafe-address')
  const link = byTestId<HTMLAnchorElement>('cafe-link')
  const qr = byTestId('cafe-qr')
  const copy = byTestId<HTMLButtonElement>('copy-address')
  let shown: string | null | undefined
  let fastPoll: ReturnType<typeof setTimeout> | undefined

  const showAddress = (cafeAddress: string | null): void => {
    if (cafeAddress === shown) return
    shown = cafeAddress
    copy.hidden = cafeAddress == null
    address.title = cafeAddress ?? ''
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
    init.onStatus?.(status)
    // while a reservation is pending, look again soon: the address should show as soon as it lands
    clearTimeout(fastPoll)
    if (status.relays.some(relay => !relay.reserved && relay.error == null)) fastPoll = setTimeout(() => { void refresh() }, 500)
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const relay = String(new FormData(form).get('relay') ?? '').trim()
    formStatus.busy('reserving…')
    void cafe.addRelay(relay).then(status => {
      const added = status.relays.find(candidate => candidate.relay === relay)
      formStatus.ok(added?.reserved === true ? 'Reserved: the cafe address below now names this relay.' : 'Added: the reservation shows in the table when the relay grants it.')
      form.reset()
    }, err => { formStatus.fail(err) }).finally(refresh)
  })
  copy.addEventListener('click', () => {
    if (shown == null) return
    void navigator.clipboard.writeText(shown).then(() => {
      copy.textContent = 'Copied'
      setTimeout(() => { copy.textContent = 'Copy' }, 1_500)
    }, () => {})
  })

  for (const relay of init.sessionRelays ?? []) {
    void cafe.addRelay(relay, { save: false }).catch(err => { formStatus.fail(err) }).finally(refresh)
  }
  return refresh
}
