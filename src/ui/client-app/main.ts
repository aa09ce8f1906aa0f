/**
 * The demo client page: registers this browser's account with the cafe (over HTTP, or
 * over libp2p with a cafe address), shows who it is, and deregisters. Each panel says
 * what its buttons did in its own status line. It is also what the end-to-end tests drive.
 */
import { CafeBackup, CafeClient, HttpTransport, WebStorageSessionStore, httpInboxAddress, libp2pInboxAddresses } from '../../client/index.ts'
import { answerErrorText, byTestId, copyButton, labelTableCells, statusLine } from '../dom.ts'
import { mountBackup } from './backup-panel.ts'
import { mountMessaging } from './messaging-panel.ts'
import { registerServiceWorker, serviceWorkerControls } from '../service-worker.ts'
import { exportKey, importKey, loadOrCreateAccountKey } from './account-key.ts'
import { cafeAddressInUrl, clientNode, mountConnect, shortId } from './connect-panel.ts'
import { mountContent } from './content-panel.ts'
import type { CafeTransport, ProtocolDialer } from '../../client/index.ts'
import type { PrivateKey } from '@libp2p/interface'

const output = statusLine(byTestId('client-output'), answerErrorText)
let client: CafeClient
let backup: CafeBackup
let accountKey: PrivateKey
// HTTP to this origin's cafe, until a cafe address is connected (connect-panel.ts)
let transport: CafeTransport = new HttpTransport(location.origin)
/** where others deliver to this account: this site's HTTP API, or the connected cafe's multiaddrs */
let inboxes = (cafe: string): string[] => [httpInboxAddress(location.origin, cafe)]
/** the page's libp2p node once connected to a cafe address (to deliver to other cafes' inboxes) */
let libp2p: ProtocolDialer | undefined
let via = 'HTTP, this site\'s cafe'
/** set when the cafe answered 401 for this account: removed by the owner, or its session ended */
let refused: string | undefined

function show (value: unknown): void {
  output.ok(typeof value === 'string' ? value : JSON.stringify(value, null, 2))
}

/** An account call failed: a 401 means the cafe no longer accepts this account's session. */
function fail (err: unknown): void {
  output.fail(err)
  noteRefusal(err)
}

function noteRefusal (err: unknown): void {
  if ((err as { status?: number }).status !== 401 || client == null) return
  refused = 'not signed in: the cafe refused this account (its owner removed it, or the session ended). Register again with a new token, or sign in.'
  void client.forget().finally(refreshSession)
}

const sessionState = byTestId('session-state')
async function refreshSession (): Promise<void> {
  const session = await client.session()
  messaging.listen(session != null)
  sessionState.classList.toggle('error', session == null && refused != null)
  sessionState.dataset.state = session != null ? 'signed-in' : refused != null ? 'refused' : 'none'
  sessionState.textContent = session != null
    ? `signed in; access token valid until ${new Date(session.accessExpiresAt).toLocaleTimeString()}`
    : refused ?? 'not signed in: register with a token from the cafe\'s owner, or sign in if this account is registered'
}

const accountId = byTestId('account-id')
accountId.after(copyButton(() => accountId.title, { 'data-testid': 'copy-account' }))

async function useKey (key: PrivateKey): Promise<void> {
  accountKey = key
  client = new CafeClient({ privateKey: key, transport, store: new WebStorageSessionStore() })
  backup = new CafeBackup(client, key)
  accountId.textContent = client.account
  accountId.title = client.account
  const info = await client.info()
  byTestId('cafe-summary').textContent = `${shortId(info.peerId)} over ${via}`
  byTestId('cafe-summary').dataset.cafe = info.peerId
  byTestId('cafe-id').textContent = info.peerId
  byTestId('cafe-id').title = info.peerId
  byTestId('cafe-registration').textContent = `registration: ${info.registration}`
  await refreshSession()
}

/** Runs an account action, with the status line cleared first and the session line refreshed after. */
function run (work: () => Promise<unknown>, busy: string): void {
  output.busy(busy)
  void work().then(value => {
    refused = undefined
    show(value)
  }, fail).finally(refreshSession)
}

const registerForm = byTestId<HTMLFormElement>('register-form')
registerForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const token = String(new FormData(registerForm).get('token') ?? '').trim()
  run(async () => { await client.register(token !== '' ? token : undefined); return 'registered' }, 'registering…')
})
byTestId('sign-in').addEventListener('click', () => { run(async () => { await client.signIn(); return 'signed in' }, 'signing in…') })
byTestId('whoami').addEventListener('click', () => { run(async () => client.whoami(), 'asking…') })
byTestId('deregister').addEventListener('click', () => {
  run(async () => { await client.deregister(); return 'deregistered: the cafe deleted everything it kept for this account' }, 'deregistering…')
})

// the key is shown only when asked, and hidden again with the same button
const exportButton = byTestId<HTMLButtonElement>('export-key')
const exported = byTestId('exported-key')
const exportedBox = byTestId('exported-key-box')
exportedBox.append(copyButton(() => exported.textContent, { 'data-testid': 'copy-key' }))
exportButton.addEventListener('click', () => {
  const showing = !exportedBox.hidden
  exported.textContent = showing ? '' : exportKey(accountKey)
  exportedBox.hidden = showing
  exportButton.textContent = showing ? 'Show key' : 'Hide key'
})
const importForm = byTestId<HTMLFormElement>('import-key-form')
importForm.addEventListener('submit', (event) => {
  event.preventDefault()
  try {
    const key = importKey(String(new FormData(importForm).get('key') ?? ''))
    output.busy('importing…')
    void useKey(key).then(() => { refused = undefined; importForm.reset(); show('key imported') }, fail)
  } catch (err) { fail(err) }
})

const lede = byTestId('transport-lede')
mountBackup(() => backup, { onError: noteRefusal })
const messaging = mountMessaging(() => ({ client, key: accountKey, transport, inboxes: inboxes(client.cafePeerId ?? ''), libp2p }), { onError: noteRefusal })
mountContent({ onError: noteRefusal })
const connector = mountConnect({
  async onConnected (connected, link, cafe) {
    transport = connected
    inboxes = () => libp2pInboxAddresses(cafe)
    libp2p = (await clientNode()).libp2p
    via = `libp2p (${link.via})`
    lede.textContent = `over libp2p (${link.via}) to the cafe ${link.peerId.toString()}`
    await useKey(accountKey ?? await loadOrCreateAccountKey())
  },
  fail
})
labelTableCells()

// the owner may remove this account while the page is open: the header says so at the next check
setInterval(() => {
  if (client == null || document.hidden) return
  void client.session().then(session => {
    if (session != null) return client.whoami().then(() => {}, noteRefusal)
  })
}, 15_000)

// the HTTP API is served by the cafe's Service Worker: wait until it controls this page
async function start (): Promise<void> {
  // a cafe address in the URL: a cafe in another browser, reached over libp2p, not this origin's
  const address = cafeAddressInUrl()
  if (address != null) { await connector.connect(address); return }
  if (navigator.serviceWorker.controller == null) await registerServiceWorker()
  await serviceWorkerControls()
  try {
    await useKey(await loadOrCreateAccountKey())
  } catch (err) {
    // no cafe in this browser: this device reaches one with its address, it does not start a second one
    if ((err as { code?: string }).code !== 'CAFE_NOT_RUNNING') throw err
    output.clear()
    byTestId('cafe-summary').textContent = 'none yet'
    connector.offer('No cafe runs in this browser.')
  }
}
start().catch(fail)
