/// <reference path="./chrome.d.ts" />
/**
 * The toolbar popup: the extension's cafe at a glance (peer id, connections, what is
 * stored, relays, the cafe address) and a button to the full console. Relays, the
 * address and connections are the console's own module.
 */
import { mountConnections } from '../src/ui/console/connections.ts'
import { byTestId, reportError } from '../src/ui/dom.ts'
import { formatBytes } from '../src/ui/format.ts'
import { connectToExtensionCafe } from './connect.ts'

const { cafe, connected } = connectToExtensionCafe()
const problem = byTestId('popup-error')
connected.catch((err: unknown) => { reportError(problem, err) })

async function refreshStatus (): Promise<void> {
  const status = await cafe.status()
  byTestId('peer-id').textContent = status.peerId
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
