/// <reference path="./chrome.d.ts" />
/**
 * The toolbar popup: the extension's cafe at a glance (peer id, connections, what is
 * stored, relays, the cafe address) and a button to the full console. Relays, the
 * address and connections are the console's own module.
 */
import { mountConnections } from '../src/ui/console/connections.ts'
import { byTestId, reportError } from '../src/ui/dom.ts'
import { formatBytes } from '../src/ui/format.ts'
import { whichCafe } from '../src/ui/console/which-cafe.ts'
import { connectToExtensionCafe } from './connect.ts'
import { OPEN_PATH } from './ipfs-urls.ts'
import { chromeRedirectionApi, redirectionEnabled, setRedirection } from './redirection.ts'

const { cafe, connected } = connectToExtensionCafe()
const problem = byTestId('popup-error')
connected.catch((err: unknown) => { reportError(problem, err) })

async function refreshStatus (): Promise<void> {
  const status = await cafe.status()
  byTestId('peer-id').textContent = status.peerId
  byTestId('which-cafe').textContent = whichCafe('extension', status.peerId, location.origin)
  byTestId('connections').textContent = String(status.connections)
  byTestId('stored').textContent = `${status.blocks} blocks, ${formatBytes(status.storage.usage)} used`
}

const refreshConnections = mountConnections(cafe)
const refresh = (): void => {
  Promise.all([refreshStatus(), refreshConnections()]).then(
    () => { problem.textContent = '' },
    (err: unknown) => { reportError(problem, err) }
  )
}
refresh()
setInterval(refresh, 2_000)

byTestId('open-console').addEventListener('click', () => {
  void chrome.tabs.create({ url: chrome.runtime.getURL('index.html') })
})

const redirection = chromeRedirectionApi()
const toggle = byTestId<HTMLInputElement>('redirect-toggle')
void redirectionEnabled(redirection).then(enabled => {
  toggle.checked = enabled
  toggle.dataset.applied = String(enabled)
  toggle.disabled = false
})
toggle.addEventListener('change', () => {
  toggle.disabled = true
  setRedirection(redirection, toggle.checked).then(
    () => { toggle.dataset.applied = String(toggle.checked) },
    (err: unknown) => { reportError(problem, err) }
  ).finally(() => { toggle.disabled = false })
})

// Chromium ignores an extension manifest's protocol_handlers; registerProtocolHandler from
// an extension page works (the browser asks the person once): docs/ARCHITECTURE.md
byTestId('register-protocol').addEventListener('click', () => {
  const status = byTestId('protocol-status')
  try {
    navigator.registerProtocolHandler('ipfs', `${redirection.origin}${OPEN_PATH}?uri=%s`)
    status.textContent = 'asked the browser: accept its prompt'
  } catch (err) {
    status.textContent = `the browser refused: ${(err as Error).message}`
  }
})
