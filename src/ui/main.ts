/**
 * The cafe page and owner's console: node status, access tokens, clients and quotas,
 * adding files and folders, and what is stored here.
 */
import { connectToCafe } from './cafe-connection.ts'
import { mountClients } from './console/clients.ts'
import { mountConnections } from './console/connections.ts'
import { mountDirectorySearch } from './console/directory.ts'
import { mountTokens } from './console/tokens.ts'
import { byTestId } from './dom.ts'
import { uploadsFromDrop, uploadsFromInput } from './file-sources.ts'
import { formatBytes } from './format.ts'
import { hostWebRtc } from './webrtc-host.ts'
import type { LibraryEntry } from '../core/library/library.ts'
import type { FileUpload } from '../worker/api.ts'

const { cafe, gatewayReady } = connectToCafe()

async function refreshStatus (): Promise<void> {
  const status = await cafe.status()
  byTestId('peer-id').textContent = status.peerId
  byTestId('addresses').textContent = status.addresses.length > 0 ? status.addresses.join('\n') : 'none yet'
  byTestId('connections').textContent = String(status.connections)
  byTestId('stored').textContent = `${status.blocks} blocks, ${formatBytes(status.storage.usage)} used of ${formatBytes(status.storage.quota)} available to this site`
}

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
  const code = document.createElement('code')
  code.textContent = entry.cid
  cid.append(code)
  row.append(name, size, cid)
  return row
}

async function refreshLibrary (): Promise<void> {
  const entries = await cafe.library()
  const body = byTestId('library')
  body.replaceChildren(...entries.map(libraryRow))
  if (entries.length === 0) body.innerHTML = '<tr><td colspan="3" class="empty">Nothing yet.</td></tr>'
}

async function add (uploads: FileUpload[]): Promise<void> {
  if (uploads.length === 0) return
  const progress = byTestId('add-progress')
  const total = uploads.reduce((sum, upload) => sum + upload.file.size, 0)
  progress.classList.remove('error')
  progress.textContent = `Adding ${uploads.length} file(s), ${formatBytes(total)}…`
  try {
    const added = await cafe.addFiles(uploads)
    progress.textContent = `Added ${added.map(entry => entry.name).join(', ')}.`
  } catch (err) {
    progress.classList.add('error')
    progress.textContent = `Could not add: ${(err as Error).message}`
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
const refreshConnections = mountConnections(cafe, { hostId: webRtcHost?.id, sessionRelays: new URLSearchParams(location.search).getAll('relay') })

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
