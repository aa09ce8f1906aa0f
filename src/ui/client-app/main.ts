/**
 * The demo client page: registers this browser's account with the cafe over HTTP,
 * shows who it is, and deregisters. It is also what the end-to-end tests drive.
 */
import { CafeBackup, CafeClient, HttpTransport, WebStorageSessionStore } from '../../client/index.ts'
import { byTestId } from '../dom.ts'
import { mountBackup } from './backup-panel.ts'
import { mountMessaging } from './messaging-panel.ts'
import { registerServiceWorker, serviceWorkerControls } from '../service-worker.ts'
import { exportKey, importKey, loadOrCreateAccountKey } from './account-key.ts'
import { cafeAddressInUrl, mountConnect } from './connect-panel.ts'
import type { CafeTransport } from '../../client/index.ts'
import type { PrivateKey } from '@libp2p/interface'

const output = byTestId('client-output')
let client: CafeClient
let backup: CafeBackup
let accountKey: PrivateKey
// HTTP to this origin's cafe, until a cafe address is connected (connect-panel.ts)
let transport: CafeTransport = new HttpTransport(location.origin)

function show (value: unknown): void {
  output.classList.remove('error')
  output.textContent = typeof value === 'string' ? value : JSON.stringify(value, null, 2)
}

function fail (err: unknown): void {
  const { message, code, status } = err as { message?: string, code?: string, status?: number }
  output.classList.add('error')
  output.textContent = `${status ?? ''} ${code ?? ''}: ${message ?? String(err)}`.trim()
}

async function refreshSession (): Promise<void> {
  const session = await client.session()
  byTestId('session-state').textContent = session == null
    ? 'none'
    : `signed in; access token valid until ${new Date(session.accessExpiresAt).toLocaleTimeString()}`
}

async function useKey (key: PrivateKey): Promise<void> {
  accountKey = key
  client = new CafeClient({ privateKey: key, transport, store: new WebStorageSessionStore() })
  backup = new CafeBackup(client, key)
  byTestId('account-id').textContent = client.account
  const info = await client.info()
  byTestId('cafe-id').textContent = `${info.peerId} (registration: ${info.registration})`
  await refreshSession()
}

function action (id: string, run: () => Promise<unknown>): void {
  byTestId(id).addEventListener('click', () => { void run().then(show, fail).finally(refreshSession) })
}

const registerForm = byTestId<HTMLFormElement>('register-form')
registerForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const token = String(new FormData(registerForm).get('token') ?? '').trim()
  void client.register(token !== '' ? token : undefined).then(() => show('registered'), fail).finally(refreshSession)
})
action('sign-in', async () => { await client.signIn(); return 'signed in' })
action('whoami', async () => client.whoami())
action('deregister', async () => { await client.deregister(); return 'deregistered: the cafe deleted everything it kept for this account' })
byTestId('export-key').addEventListener('click', () => { byTestId('exported-key').textContent = exportKey(accountKey) })
const importForm = byTestId<HTMLFormElement>('import-key-form')
importForm.addEventListener('submit', (event) => {
  event.preventDefault()
  try {
    void useKey(importKey(String(new FormData(importForm).get('key') ?? ''))).then(() => show('key imported'), fail)
  } catch (err) { fail(err) }
})

mountBackup(() => backup, { show, fail })
mountMessaging(() => ({ client, key: accountKey }), { show, fail })
const connector = mountConnect({
  async onConnected (connected) {
    transport = connected
    await useKey(accountKey ?? await loadOrCreateAccountKey())
  },
  fail
})

// the HTTP API is served by the cafe's Service Worker: wait until it controls this page
async function start (): Promise<void> {
  // a cafe address in the URL: a cafe in another browser, reached over libp2p, not this origin's
  const address = cafeAddressInUrl()
  if (address != null) { await connector.connect(address); return }
  if (navigator.serviceWorker.controller == null) await registerServiceWorker()
  await serviceWorkerControls()
  await useKey(await loadOrCreateAccountKey())
}
start().catch(fail)
