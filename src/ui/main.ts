/**
 * The cafe page and owner's console: node status, access tokens, clients and quotas,
 * adding files and folders, and what is stored here.
 */
import { connectToCafe } from './cafe-connection.ts'
import { mountClients } from './console/clients.ts'
import { mountConnections } from './console/connections.ts'
import { mountDirectorySearch } from './console/directory.ts'
import { mountTokens } from './console/tokens.ts'
import { whichCafe } from './console/which-cafe.ts'
import * as Comlink from 'comlink'
import { byTestId, copyButton, copyableId, errorText, h, labelTableCells, statusLine } from './dom.ts'
import { uploadsFromDrop, uploadsFromInput } from './file-sources.ts'
import { formatBytes } from './format.ts'
import { progressView } from './progress.ts'
import { hostWebRtc } from './webrtc-host.ts'
import type { LibraryEntry } from '../core/library/library.ts'
import type { NetworkStatus } from '../worker/network.ts'
import type { AddProgressEvent, FileUpload } from '../worker/api.ts'

const { cafe, kind, gatewayReady } = connectToCafe()

const peerId = byTestId('peer-id')
peerId.after(copyButton(() => peerId.title, { 'data-testid': 'copy-peer-id' }))

function showPeerId (id: string): void {
  peerId.textContent = id
  peerId.title = id
  byTestId('which-cafe').textContent = whichCafe(kind, id, location.origin)
}

async function refreshStatus (): Promise<void> {
  const status = await cafe.status()
  showPeerId(status.peerId)
  // addresses and connections come from the network status too (showNetwork), so the Node box and the relay table agree
  if (status.addresses.length > 0) byTestId('addresses').textContent = status.addresses.join('\n')
  byTestId('stored').textContent = `${status.blocks} blocks, in this browser's blockstore`
  byTestId('site-storage').textContent = `${formatBytes(status.storage.usage)} used of ${formatBytes(status.storage.quota)} the browser allows this site (blocks, databases and caches)`
}

/** The Node box's addresses and connections, from the same status the relay and connection tables show. */
function showNetwork (network: NetworkStatus): void {
  const circuits = [...new Set(network.relays.flatMap(relay => relay.addresses))]
  const addresses = byTestId('addresses')
  addresses.textContent = circuits.length > 0
    ? circuits.join('\n')
    : network.relays.some(relay => !relay.reserved) ? 'none yet: waiting for a relay reservation' : 'none yet: add a relay to be reachable'
  byTestId('connections').textContent = String(network.connections.length)
  firstRun.update(network)
}

/** The welcome card, until the owner dismisses it or the cafe has a relay. */
const firstRun = (() => {
  const card = byTestId('first-run')
  const KEY = 'cafe:first-run-dismissed'
  let dismissed = localStorage.getItem(KEY) != null
  byTestId('dismiss-first-run').addEventListener('click', () => { dismissed = true; localStorage.setItem(KEY, '1'); card.hidden = true })
  byTestId('relay-help').addEventListener('click', () => {
    card.hidden = false
    byTestId<HTMLDetailsElement>('about-relays').open = true
  })
  return {
    update (network: NetworkStatus): void {
      if (!dismissed && card.hidden && network.relays.length === 0) card.hidden = false
    }
  }
})()

function libraryRow (entry: LibraryEntry): HTMLTableRowElement {
  const row = document.createElement('tr')
  row.dataset.cid = entry.cid
  const name = document.createElement('td')
  const link = document.createElement('a')
  link.href = entry.kind === 'directory' ? `/ipfs/${entry.cid}/` : `/ipfs/${entry.cid}?filename=${encodeURIComponent(entry.name)}`
  link.textContent = entry.kind === 'directory' ? `${entry.name}/` : entry.name
  link.target = '_blank'
  link.rel = 'noopener'
  name.append(link)
  const size = document.createElement('td')
  size.textContent = formatBytes(entry.size)
  size.dataset.bytes = String(entry.size)
  const cid = document.createElement('td')
  cid.append(copyableId(entry.cid))
  row.append(name, size, cid)
  return row
}

async function refreshLibrary (): Promise<void> {
  const entries = await cafe.library()
  const body = byTestId('library')
  body.replaceChildren(...entries.map(libraryRow))
  if (entries.length === 0) body.replaceChildren(h('tr', {}, h('td', { colspan: '3', class: 'empty' }, 'Nothing yet: add files above.')))
}

const addStatus = statusLine(byTestId('add-progress'))
const addBar = progressView({ 'data-testid': 'add-progress-bar' })
addStatus.element.before(addBar.element)

async function add (uploads: FileUpload[]): Promise<void> {
  if (uploads.length === 0) return
  const total = uploads.reduce((sum, upload) => sum + upload.file.size, 0)
  addStatus.busy(`Adding ${uploads.length} file${uploads.length === 1 ? '' : 's'}, ${formatBytes(total)}…`)
  addBar.start('Added', total)
  try {
    const added = await cafe.addFiles(uploads, Comlink.proxy((evt: AddProgressEvent) => { addBar.update(evt) }))
    // the events count bytes read, which run ahead of the writes: the rate shown at the end is the whole add's
    addBar.update({ type: 'cafe:add', detail: { bytes: total, total } })
    addStatus.ok(`Added ${added.map(entry => entry.name).join(', ')}: see Stored here below.`)
  } catch (err) {
    addStatus.fail(new Error(`Could not add: ${errorText(err)}`))
  }
  await Promise.all([refreshLibrary(), refreshStatus()])
}

const dropzone = byTestId('dropzone')
dropzone.addEventListener('dragover', (event) => { event.preventDefault(); dropzone.classList.add('over') })
dropzone.addEventListener('dragleave', () => dropzone.classList.remove('over'))
dropzone.addEventListener('drop', (event) => {
  event.preventDefault()
  dropzone.classList.remove('over')
  if (event.dataTransfer != null) void uploadsFromDrop(event.dataTransfer).then(add)
})
for (const id of ['file-input', 'folder-input']) {
  const input = byTestId<HTMLInputElement>(id)
  input.addEventListener('change', () => {
    if (input.files != null) void add(uploadsFromInput(input.files)).finally(() => { input.value = '' })
  })
}

gatewayReady.then(
  () => { byTestId('gateway').textContent = 'serving /ipfs/ from this browser' },
  (err: Error) => { byTestId('gateway').textContent = `not available: ${err.message}` }
)
const refreshTokens = mountTokens(cafe)
const refreshClients = mountClients(cafe)
mountDirectorySearch(cafe)
const clientList = byTestId('client-list')
const webRtcHost = hostWebRtc(cafe)
const refreshConnections = mountConnections(cafe, { hostId: webRtcHost?.id, sessionRelays: new URLSearchParams(location.search).getAll('relay'), onStatus: showNetwork })
labelTableCells()

// known from the stored key long before the node has started (status waits for the node)
void cafe.peerId().then(showPeerId, () => {})
void refreshStatus()
void refreshLibrary()
void refreshTokens()
void refreshClients()
void refreshConnections()
setInterval(() => {
  void refreshStatus()
  void refreshConnections()
  void refreshTokens()
  // do not redraw a quota form someone is typing in
  if (!clientList.contains(document.activeElement)) void refreshClients()
}, 2_000)
