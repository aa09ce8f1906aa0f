/**
 * Garbage collection an operator runs (`POST /api/v0/gc`, `browser-cafe gc`): it reports the
 * blocks nothing needs and removes only those; pinned content, the owner's library and an
 * upload still streaming in stay.
 */
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CarWriter } from '@ipld/car'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { concat } from 'uint8arrays/concat'
import { equals } from 'uint8arrays/equals'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CafeClient, HttpTransport, MemorySessionStore } from '../../src/client/index.ts'
import { createLibrary } from '../../src/core/library/library.ts'
import { createHeadlessCafe, type HeadlessCafe } from '../../src/headless/headless.ts'
import type { GarbageReport } from '../../src/core/pinning/index.ts'

const SECRET = 'gc-test-owner-secret-0123456789'

function randomBytes (length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536))
  return bytes
}

interface Packed { root: CID, car: Uint8Array, blocks: Array<{ cid: CID, bytes: Uint8Array }> }

/** A UnixFS file as a CAR, leaves of `chunkSize` bytes. */
async function pack (content: Uint8Array, chunkSize = 16 * 1024): Promise<Packed> {
  const blocks: Array<{ cid: CID, bytes: Uint8Array }> = []
  const store = { put: async (cid: CID, bytes: Uint8Array) => { blocks.push({ cid, bytes }); return cid } }
  let root: CID | undefined
  for await (const entry of importer([{ path: 'f.bin', content }], store, { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize }) })) root = entry.cid
  const { writer, out } = CarWriter.create([root as CID])
  const parts: Uint8Array[] = []
  const collected = (async () => { for await (const part of out) parts.push(part) })()
  for (const block of blocks) await writer.put(block)
  await writer.close()
  await collected
  return { root: root as CID, car: concat(parts), blocks }
}

async function rawBlock (bytes: Uint8Array): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(bytes))
}

describe('garbage collection', () => {
  let dataDir: string
  let cafe: HeadlessCafe | undefined

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cafe-gc-'))
    cafe = await createHeadlessCafe({
      dataDir,
      http: { port: 0 },
      listen: ['/ip4/127.0.0.1/tcp/0'],
      ownerSecret: SECRET,
      cafe: { accounts: { open: true } }
    })
  })

  afterEach(async () => {
    await cafe?.stop()
    cafe = undefined
    await rm(dataDir, { recursive: true, force: true })
  })

  const gc = async (body: object, secret = SECRET): Promise<Response> => fetch(`${cafe!.url}/api/v0/gc`, {
    method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify(body)
  })

  it('reports unreferenced blocks on a dry run, removes only those, and keeps pins, the library and an upload in flight', async () => {
    const running = cafe!
    const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: new HttpTransport(running.url), store: new MemorySessionStore() })
    await client.register()
    const accessToken = (await client.session())!.accessToken

    // pinned content
    const pinnedContent = randomBytes(200 * 1024)
    const pinned = await pack(pinnedContent)
    const uploaded = await fetch(`${running.url}/api/v0/pinning/car`, {
      method: 'POST', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/vnd.ipld.car' }, body: pinned.car as Uint8Array<ArrayBuffer>
    })
    expect(uploaded.status).toBe(200)

    // a library entry whose DAG no pin holds (the owner's library keeps its own)
    const library = await pack(randomBytes(40 * 1024))
    for (const { cid, bytes } of library.blocks) await running.blockstore.put(cid, bytes)
    await createLibrary({ datastore: running.datastore, logger: running.helia.logger }).record({ cid: library.root.toString(), name: 'kept.bin', size: 40 * 1024, kind: 'file' })

    // unreferenced blocks (what a gateway read from the network leaves, say)
    const garbage: CID[] = []
    let garbageBytes = 0
    for (let i = 0; i < 5; i++) {
      const bytes = randomBytes(3000 + i)
      const cid = await rawBlock(bytes)
      await running.blockstore.put(cid, bytes)
      garbage.push(cid)
      garbageBytes += bytes.byteLength
    }

    // the owner secret guards it
    expect((await gc({ dryRun: true }, 'not-the-owner-secret-at-all')).status).toBe(401)

    const dry = await gc({ dryRun: true })
    expect(dry.status).toBe(200)
    const planned = await dry.json() as GarbageReport
    expect(planned).toEqual({
      dryRun: true,
      scanned: pinned.blocks.length + library.blocks.length + garbage.length,
      removable: { blocks: garbage.length, bytes: garbageBytes },
      removed: { blocks: 0, bytes: 0 }
    })
    for (const cid of garbage) expect(await running.blockstore.has(cid)).toBe(true)

    // an upload streaming in: half of its CAR sent, its first blocks on disk but pinned by nothing yet
    const inFlight = await pack(randomBytes(512 * 1024))
    const req = request(`${running.url}/api/v0/pinning/car?name=in-flight`, {
      method: 'POST', headers: { 'content-type': 'application/vnd.ipld.car', authorization: `Bearer ${accessToken}` }
    })
    const answer = new Promise<{ status?: number, body: string }>((resolve, reject) => {
      req.on('response', res => {
        let body = ''
        res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk }).on('end', () => { resolve({ status: res.statusCode, body }) })
      })
      req.on('error', reject)
    })
    const half = Math.floor(inFlight.car.byteLength / 2)
    if (!req.write(inFlight.car.subarray(0, half))) await once(req, 'drain')
    const firstLeaf = inFlight.blocks[0].cid
    const started = Date.now()
    while (!await running.blockstore.has(firstLeaf)) {
      if (Date.now() - started > 10_000) throw new Error('the upload never stored its first block')
      await new Promise(resolve => setTimeout(resolve, 10))
    }

    const collected = await gc({})
    expect(collected.status).toBe(200)
    expect(await collected.json()).toEqual({
      dryRun: false,
      scanned: expect.any(Number),
      removable: { blocks: garbage.length, bytes: garbageBytes },
      removed: { blocks: garbage.length, bytes: garbageBytes }
    })
    for (const cid of garbage) expect(await running.blockstore.has(cid)).toBe(false)
    for (const { cid } of library.blocks) expect(await running.blockstore.has(cid)).toBe(true)
    expect(await running.blockstore.has(firstLeaf)).toBe(true)

    // the upload finishes and is served whole
    req.end(inFlight.car.subarray(half))
    const done = await answer
    expect(done.status, done.body).toBe(200)
    const inFlightContent = new Uint8Array(await (await fetch(`${running.url}/ipfs/${inFlight.root}`)).arrayBuffer())
    expect(inFlightContent.byteLength).toBe(512 * 1024)

    // pinned content is still served, byte for byte
    const served = await fetch(`${running.url}/ipfs/${pinned.root}`)
    expect(served.status).toBe(200)
    expect(equals(new Uint8Array(await served.arrayBuffer()), pinnedContent)).toBe(true)

    // nothing left to collect
    expect(await (await gc({ dryRun: true })).json()).toMatchObject({ removable: { blocks: 0, bytes: 0 } })
  })

  it('keeps what a pin still being fetched already has, and removes it once that pin is deleted', async () => {
    const running = cafe!
    const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: new HttpTransport(running.url), store: new MemorySessionStore() })
    await client.register()
    const accessToken = (await client.session())!.accessToken
    // a DAG of which the root and its first leaf are here, the rest nowhere: its pin keeps fetching
    const partial = await pack(randomBytes(64 * 1024))
    const root = partial.blocks.find(block => block.cid.equals(partial.root))!
    const here = [root, partial.blocks[0]]
    for (const { cid, bytes } of here) await running.blockstore.put(cid, bytes)
    const added = await fetch(`${running.url}/api/v0/pins`, {
      method: 'POST', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ cid: partial.root.toString() })
    })
    expect(added.status).toBe(202)
    const { requestid } = await added.json() as { requestid: string }
    const started = Date.now()
    while ((await (await fetch(`${running.url}/api/v0/pins/${requestid}`, { headers: { authorization: `Bearer ${accessToken}` } })).json()).status !== 'pinning') {
      if (Date.now() - started > 10_000) throw new Error('the pin never started')
      await new Promise(resolve => setTimeout(resolve, 20))
    }

    expect(await (await gc({})).json()).toMatchObject({ removable: { blocks: 0 }, removed: { blocks: 0 } })
    for (const { cid } of here) expect(await running.blockstore.has(cid)).toBe(true)

    // deleting the request ends its fetch; its blocks are collected then (or by gc)
    expect((await fetch(`${running.url}/api/v0/pins/${requestid}`, { method: 'DELETE', headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(204)
    await gc({})
    for (const { cid } of here) expect(await running.blockstore.has(cid)).toBe(false)
  })

  it('refuses a dryRun that is not a boolean', async () => {
    const response = await gc({ dryRun: 'maybe' })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { code: 'INPUT_INVALID' } })
  })
})
