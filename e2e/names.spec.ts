/**
 * The tab cafe hosts a client's name: a client (the client library in Node, whose HTTP
 * requests go through the page, so through the Service Worker to the SharedWorker) registers
 * and publishes a signed IPNS record; the page then opens /ipns/<name> from the Service
 * Worker's gateway, the Delegated Routing API answers the record, and the console lists it.
 */
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createIPNSRecord, marshalIPNSRecord } from 'ipns'
import { CafeClient, HttpTransport, MemorySessionStore, publishName } from '../src/client/index.ts'
import { nameOfPeer } from '../src/core/names/name.ts'
import { addThroughPage, createToken, openCafe, tempDir } from './helpers.ts'

/** fetch() as the page does it: the request goes through the page's Service Worker. */
function pageFetch (page: Page) {
  return async (request: Request): Promise<Response> => {
    const body = request.body == null ? undefined : await request.text()
    const answer = await page.evaluate(async ({ url, method, headers, body }) => {
      const response = await fetch(url, { method, headers, body })
      return { status: response.status, headers: [...response.headers], body: await response.text() }
    }, { url: new URL(request.url).pathname + new URL(request.url).search, method: request.method, headers: [...request.headers], body })
    return new Response(answer.status === 204 ? null : answer.body, { status: answer.status, headers: answer.headers })
  }
}

test('a name published to the tab cafe resolves at /ipns/<name> in the page', async ({ page }) => {
  await openCafe(page)
  const dir = tempDir({ 'first.txt': 'first version\n', 'second.txt': 'second version\n' })
  const first = await addThroughPage(page, 'file-input', join(dir, 'first.txt'), 'first.txt')
  const second = await addThroughPage(page, 'file-input', join(dir, 'second.txt'), 'second.txt')
  const token = await createToken(page, 'names e2e')

  const key = await generateKeyPair('Ed25519')
  const name = nameOfPeer(peerIdFromPrivateKey(key))
  const client = new CafeClient({ privateKey: key, transport: new HttpTransport('http://cafe.invalid', { fetch: pageFetch(page) }), store: new MemorySessionStore() })
  await client.register(token)
  const record = async (cid: string, seq: number): Promise<Uint8Array> => marshalIPNSRecord(await createIPNSRecord(key, `/ipfs/${cid}`, seq, 24 * 3600_000, { ttlNs: 5n * 1_000_000_000n }))
  expect(await publishName(client, await record(first, 1))).toMatchObject({ name, sequence: '1' })

  const read = async (): Promise<{ status: number, text: string, cache: string | null, path: string | null }> => page.evaluate(async path => {
    const response = await fetch(path, { cache: 'no-store' })
    return { status: response.status, text: await response.text(), cache: response.headers.get('cache-control'), path: response.headers.get('x-ipfs-path') }
  }, `/ipns/${name}`)
  expect(await read()).toEqual({ status: 200, text: 'first version\n', cache: 'public, max-age=5', path: `/ipns/${name}` })

  // a stale record is refused and changes nothing; a higher sequence replaces it
  await expect(publishName(client, await record(second, 1))).rejects.toMatchObject({ status: 409, code: 'RECORD_STALE' })
  await publishName(client, await record(second, 2))
  expect((await read()).text).toBe('second version\n')

  // the Delegated Routing API through the Service Worker
  const routing = await page.evaluate(async path => {
    const response = await fetch(path, { headers: { accept: 'application/vnd.ipfs.ipns-record' } })
    return { status: response.status, type: response.headers.get('content-type'), size: (await response.arrayBuffer()).byteLength }
  }, `/routing/v1/ipns/${name}`)
  expect(routing).toMatchObject({ status: 200, type: 'application/vnd.ipfs.ipns-record' })
  expect(routing.size).toBeGreaterThan(100)

  // a top-level navigation to the name, and an unknown name's clear error
  const tab = await page.context().newPage()
  await tab.goto(`/ipns/${name}`)
  await expect(tab.locator('body')).toHaveText('second version')
  const unknown = nameOfPeer(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))
  expect(await page.evaluate(async path => (await fetch(path)).status, `/ipns/${unknown}`)).toBe(404)

  // the console lists the client's name with its sequence and expiry
  const names = page.locator(`[data-testid="client-list"] tr[data-account="${client.account}"] [data-testid="client-names"]`)
  await expect(names).toContainText(name, { timeout: 10_000 })
  await expect(names).toContainText('sequence 2')
  await expect(names).toContainText('valid until')
})
