import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { expect, test } from '@playwright/test'
import { CafeClient } from '../src/client/index.ts'
import { connectCafe } from '../src/client/connect.ts'
import { createRelay, type Relay } from '../src/relay/relay.ts'
import { connectClient, createToken, openRelayedCafe, pseudoRandomBytes, registerClient, tempDir } from './helpers.ts'
import { createNodeWebRtcClient } from './node-client.ts'
import type { PrivateKey } from '@libp2p/interface'

test.describe('reaching a cafe in another browser', () => {
  let relayKey: PrivateKey
  let relay: Relay
  let port: string

  test.beforeAll(async () => {
    relayKey = await generateKeyPair('Ed25519')
    relay = await createRelay({ privateKey: relayKey, listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
    port = relay.multiaddrs()[0].getComponents().find(component => component.name === 'tcp')?.value ?? ''
  })

  test.afterAll(async () => { await relay?.stop() })

  test('a client in another browser context connects with the cafe address over WebRTC, registers, backs up and lists its pins; the relay restarts and the cafe stays reachable', async ({ browser }) => {
    test.setTimeout(120_000)
    const a = await browser.newContext()
    const b = await browser.newContext()
    try {
      const console = await a.newPage()
      const relayAddress = relay.multiaddrs()[0].toString()
      const cafe = await openRelayedCafe(console, relayAddress)
      expect(relay.reservations().map(String)).toEqual([cafe.peerId])
      await expect(console.getByTestId('cafe-link')).toHaveAttribute('href', new RegExp(`/client\\.html#cafe=${cafe.address}$`))

      const client = await b.newPage()
      await connectClient(client, cafe.address)
      // WebRTC, signalled through the relay: not the relayed circuit itself
      await expect(client.getByTestId('connect-state')).toHaveText('connected over webrtc')
      await expect(client.getByTestId('connection-remote')).toHaveText(new RegExp(`/p2p-circuit/webrtc/p2p/${cafe.peerId}$`))
      await expect(client.getByTestId('cafe-id')).toContainText(cafe.peerId)

      await registerClient(client, await createToken(console, 'other browser'))
      const account = (await client.getByTestId('account-id').textContent()) ?? ''
      await client.getByTestId('whoami').click()
      await expect(client.getByTestId('client-output')).toContainText(`"account": "${account}"`)

      // the cafe sees the client over WebRTC, carried by the bridge, with bytes counted
      const row = console.locator(`[data-testid="peer-list"] tr[data-transport="webrtc"]`).first()
      await expect(row).toBeVisible({ timeout: 5_000 })
      await expect(row).toContainText(/\d+(\.\d+)? (B|KiB|MiB) in/)

      // a backup bigger than a relayed connection's 1 MiB allowance: it only fits because it goes direct
      const dir = tempDir({ 'trip/notes.txt': 'day one\n', 'trip/photo.jpg': pseudoRandomBytes(1_500_000, 5) })
      await client.getByTestId('backup-folder').setInputFiles(join(dir, 'trip'))
      const output = client.getByTestId('backup-output')
      await expect(output).toHaveText(/^pinned \S+ \(pinned\)$/, { timeout: 30_000 })
      const root = (await output.getAttribute('data-root')) ?? ''
      await client.getByTestId('list-pins').click()
      await expect(client.getByTestId('pin-list')).toContainText(root)
      await expect(console.locator(`[data-testid="client-list"] tr[data-account="${account}"]`)).toBeVisible({ timeout: 5_000 })

      // the relay restarts on the same port with the same key: the console shows the lost reservation, then the new one
      await relay.stop()
      const state = console.locator(`[data-relay="${relayAddress}"] [data-testid="relay-state"]`)
      await expect(state).toHaveAttribute('data-reserved', 'false', { timeout: 8_000 })
      await expect(state).toContainText('not reserved')
      relay = await createRelay({ privateKey: relayKey, listen: [`/ip4/127.0.0.1/tcp/${port}/ws`] })
      await expect(state).toHaveAttribute('data-reserved', 'true', { timeout: 10_000 })
      expect(relay.reservations().map(String)).toEqual([cafe.peerId])

      // still reachable with the same address: a fresh page in the other browser signs in over WebRTC
      const again = await b.newPage()
      await connectClient(again, cafe.address)
      await expect(again.getByTestId('connect-state')).toHaveText('connected over webrtc')
      await again.getByTestId('whoami').click()
      await expect(again.getByTestId('client-output')).toContainText(`"account": "${account}"`)
    } finally {
      await a.close()
      await b.close()
    }
  })

  test('with two cafe tabs, the second carries WebRTC when the first closes', async ({ browser }) => {
    const a = await browser.newContext()
    const b = await browser.newContext()
    try {
      const first = await a.newPage()
      const cafe = await openRelayedCafe(first, relay.multiaddrs()[0].toString())
      const second = await a.newPage()
      await second.goto('/')
      await expect(second.getByTestId('webrtc-host')).toContainText('carried by another open cafe page', { timeout: 5_000 })
      await first.close()
      await expect(second.getByTestId('webrtc-host')).toContainText('carried by this page', { timeout: 8_000 })

      const client = await b.newPage()
      await connectClient(client, cafe.address)
      await expect(client.getByTestId('connect-state')).toHaveText('connected over webrtc')
      await expect(client.getByTestId('cafe-id')).toContainText(cafe.peerId)
    } finally {
      await a.close()
      await b.close()
    }
  })

  test('a Node CafeClient connects with the cafe address over WebRTC (node-datachannel) and registers', async ({ browser }) => {
    const a = await browser.newContext()
    const node = await createNodeWebRtcClient()
    try {
      const console = await a.newPage()
      const cafe = await openRelayedCafe(console, relay.multiaddrs()[0].toString())
      const link = await connectCafe(node, cafe.address, { attemptTimeoutMs: 10_000 })
      expect(link.via).toBe('webrtc')
      expect(link.connection.remoteAddr.toString()).toMatch(new RegExp(`/p2p-circuit/webrtc/p2p/${cafe.peerId}$`))
      const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: link.transport })
      expect(await client.register(await createToken(console, 'node client'))).toMatchObject({ account: client.account, registered: true })
      expect((await client.whoami()).account).toBe(client.account)
      await expect(console.locator(`[data-testid="client-list"] tr[data-account="${client.account}"]`)).toBeVisible({ timeout: 5_000 })
    } finally {
      await node.stop()
      await a.close()
    }
  })

  test('a bad cafe address is refused with its code, and a relay address without a peer id too', async ({ browser }) => {
    const context = await browser.newContext()
    try {
      const client = await context.newPage()
      await client.goto('/client.html#cafe=cafe:zNotAnAddress')
      await expect(client.getByTestId('connect-state')).toHaveText(/could not connect: .*base58btc/, { timeout: 10_000 })

      const console = await context.newPage()
      await console.goto('/')
      await console.getByTestId('relay-input').fill('/ip4/127.0.0.1/tcp/4003/ws')
      await console.getByTestId('add-relay').click()
      await expect(console.getByTestId('relay-form-status')).toHaveText(/ends with \/p2p\/<relay peer id> \(RELAY_ADDRESS_INVALID\)/)
    } finally {
      await context.close()
    }
  })
})
