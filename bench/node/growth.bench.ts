/**
 * Cost curves: does a figure stay flat per byte or per item as the data grows?
 * - headless gateway read (`GET /ipfs/<cid>` over HTTP) of a 1, 16 and 256 MiB file, MB/s;
 * - pin listing (first page of 100 and its count) with 1k, 10k and 100k pins stored, µs per pin;
 * - inbox listing (first page of 100) with 10k and 100k messages stored, µs per stored message;
 * - directory search (substring, p50) over 10k, 100k and 1M contacts, and the index load per contact.
 * BENCH_QUICK=1 runs smaller sizes (each list divided by 4 to 16) for a check in a minute or two.
 *
 * Data is made the cheap way where the cost measured does not depend on it: pins are
 * imported 16 at a time, inbox envelopes are sealed by 50 senders in parallel, and contacts
 * are written unsigned straight to the datastore (the directory verifies a contact when it
 * is published, not when it loads or searches).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight } from 'helia'
import { Key } from 'interface-datastore'
import { importer } from 'ipfs-unixfs-importer'
import { packCar } from '../../src/client/car.ts'
import { createDirectory, encodeContact } from '../../src/core/directory/index.ts'
import { createInbox, encodeEnvelope, ENVELOPE_DOMAIN, sealMessage, type Inbox } from '../../src/core/inbox/index.ts'
import { signingBytes } from '../../src/core/util/canonical.ts'
import { createPinning } from '../../src/core/pinning/index.ts'
import { newRequestId, PinRecords } from '../../src/core/pinning/records.ts'
import { openDurableStores } from '../../src/headless/durable-stores.ts'
import { createHeadlessCafe } from '../../src/headless/headless.ts'
import { percentile, randomName, report } from './measure.ts'
import type { AccountDirectory } from '../../src/core/types.ts'
import type { CID } from 'multiformats/cid'

const QUICK = process.env.BENCH_QUICK === '1'
const sizes = (name: string, full: number[], quick: number[]): number[] =>
  (process.env[name]?.split(',').map(Number) ?? (QUICK ? quick : full))
const READ_MIB = sizes('BENCH_GROWTH_READ_MIB', [1, 16, 256], [1, 16, 64])
const PINS = sizes('BENCH_GROWTH_PINS', [1000, 10_000, 100_000], [1000, 5000])
const MESSAGES = sizes('BENCH_GROWTH_MESSAGES', [10_000, 100_000], [2000, 10_000])
const CONTACTS = sizes('BENCH_GROWTH_CONTACTS', [10_000, 100_000, 1_000_000], [10_000, 100_000])
const ACCOUNT = '12D3KooWBenchAccount'
const everyone: AccountDirectory = {
  isRegistered: async () => true,
  quotaOf: async () => ({ storageBytes: 1e15, inboxMessages: 1e9, inboxBytes: 1e15 })
}
const logger = defaultLogger()
const log = (line: string): void => { process.stderr.write(`growth: ${line}\n`) }
const results: Record<string, number> = {}
const best = async (rounds: number, work: () => Promise<unknown>): Promise<number> => {
  let fastest = Infinity
  for (let round = 0; round < rounds; round++) {
    const started = performance.now()
    await work()
    fastest = Math.min(fastest, performance.now() - started)
  }
  return fastest
}

async function gatewayCurve (): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cafe-growth-'))
  const cafe = await createHeadlessCafe({ dataDir, http: { port: 0 }, listen: ['/ip4/127.0.0.1/tcp/0'], cafe: { requests: { capacity: 1e9, refillPerSecond: 1e9 } } })
  try {
    for (const mib of READ_MIB) {
      const bytes = mib * 1024 * 1024
      // generated piecewise: a 256 MiB file is never one buffer here
      async function * content (): AsyncGenerator<Uint8Array> {
        for (let offset = 0; offset < bytes; offset += 1024 * 1024) {
          yield new Uint8Array(1024 * 1024).map((_, i) => (offset / 1024 + i * 31) % 251)
        }
      }
      let cid: CID | undefined
      for await (const entry of importer([{ content: content() }], cafe.blockstore, { cidVersion: 1, rawLeaves: true })) cid = entry.cid
      const ms = await best(mib >= 64 ? 2 : 3, async () => {
        const response = await fetch(`${cafe.url}/ipfs/${cid}`)
        let length = 0
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) length += chunk.byteLength
        if (length !== bytes) throw new Error(`read ${length} of ${bytes} bytes`)
      })
      results[`gatewayRead${mib}MiBMBps`] = bytes / 1e6 / (ms / 1000)
      log(`gateway read ${mib} MiB: ${results[`gatewayRead${mib}MiBMBps`].toFixed(1)} MB/s`)
    }
  } finally {
    await cafe.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}

async function pinCurve (): Promise<void> {
  // one real pin gives a record of the real shape; the rest are copies written by the
  // records' own writer (importing 100k pins one by one would take minutes)
  const { car, root } = await packCar([{ path: 'p', content: new TextEncoder().encode('pin') }], { wrap: false })
  for (const target of PINS) {
    const dir = await mkdtemp(join(tmpdir(), 'cafe-growth-pins-'))
    let stores = await openDurableStores(dir, { durable: false })
    try {
      const real = await pinningOn(stores)
      await real.pinning.importCar(ACCOUNT, (async function * () { yield car })(), { name: 'pin-0' })
      const [record] = (await real.pinning.list(ACCOUNT, { limit: 1 })).results
      await real.stop()
      stores = await openDurableStores(dir, { durable: false })
      const records = new PinRecords(stores.datastore)
      const base = Date.parse(record.created)
      const started = performance.now()
      for (let i = 1; i < target; i += 1000) {
        await Promise.all(Array.from({ length: Math.min(1000, target - i) }, async (_, j) => records.put({
          requestid: newRequestId(), account: ACCOUNT, cid: root.toString(), name: `pin-${i + j}`, origins: [], status: 'pinned', created: base - i - j, size: 3
        })))
      }
      log(`${target} pin records written in ${((performance.now() - started) / 1000).toFixed(1)} s`)
      const fresh = await pinningOn(stores)
      const check = (page: { count: number, results: unknown[] }): void => {
        if (page.count !== target || page.results.length !== 100) throw new Error(`listed ${page.results.length} of ${page.count} pins, expected 100 of ${target}`)
      }
      let ms = performance.now()
      check(await fresh.pinning.list(ACCOUNT, { limit: 100 }))
      const coldMs = performance.now() - ms
      ms = await best(5, async () => { check(await fresh.pinning.list(ACCOUNT, { limit: 100 })) })
      await fresh.stop()
      results[`pinList${target}ColdMs`] = coldMs
      results[`pinList${target}ColdUsPerPin`] = coldMs * 1000 / target
      results[`pinList${target}FirstPageMs`] = ms
      results[`pinList${target}UsPerPin`] = ms * 1000 / target
      log(`pin list with ${target} pins: first ${coldMs.toFixed(1)} ms, then ${ms.toFixed(2)} ms`)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
}

async function pinningOn ({ blockstore, datastore }: Awaited<ReturnType<typeof openDurableStores>>): Promise<{ pinning: ReturnType<typeof createPinning>, stop(): Promise<void> }> {
  const helia = createHeliaLight({ blockstore, datastore: datastore.unsynced() })
  await helia.start()
  const pinning = createPinning({ blockstore, datastore, pins: helia.pins, accounts: everyone, logger })
  await pinning.start()
  return { pinning, stop: async () => { await pinning.stop?.(); await helia.stop(); await datastore.close() } }
}

async function inboxCurve (): Promise<void> {
  const recipient = await generateKeyPair('Ed25519')
  const to = peerIdFromPrivateKey(recipient).toString()
  const senders = await Promise.all(Array.from({ length: 50 }, async () => generateKeyPair('Ed25519')))
  const datastore = new MemoryDatastore()
  const open = (): Inbox => createInbox({ datastore, logger, accounts: everyone }, { perSenderRate: { perMinute: 1e9, burst: 1e9 }, sweepIntervalMs: 0 })
  const inbox = open()
  const sealed = await Promise.all(senders.map(async sender => sealMessage(sender, to, new TextEncoder().encode('a message of the growth curve'))))
  let stored = 0
  for (const target of MESSAGES) {
    const started = performance.now()
    for (let from = stored; from < target; from += 1000) {
      // re-signed copies of one sealed message per sender (new nonce): sealing each one
      // (an X25519 agreement in JavaScript) would take minutes at 100k
      const envelopes = await Promise.all(Array.from({ length: Math.min(1000, target - from) }, async (_, i) => {
        const sender = (from + i) % senders.length
        const { signature: _signature, ...unsigned } = { ...sealed[sender], nonce: crypto.getRandomValues(new Uint8Array(sealed[sender].nonce.length)) }
        return encodeEnvelope({ ...unsigned, signature: new Uint8Array(await senders[sender].sign(signingBytes(ENVELOPE_DOMAIN, unsigned))) })
      }))
      for (const envelope of envelopes) await inbox.deliver(envelope)
    }
    log(`${target - stored} messages delivered in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    stored = target
    const firstPage = async (reader: Inbox): Promise<void> => {
      const page = await reader.list(to, { limit: 100 })
      if (page.messages.length !== 100) throw new Error(`listed ${page.messages.length} messages`)
    }
    // a restarted cafe reads the account's keys once, on its first listing; later pages cost their own size
    const restarted = open()
    const coldStarted = performance.now()
    await firstPage(restarted)
    const coldMs = performance.now() - coldStarted
    const ms = await best(5, async () => firstPage(restarted))
    results[`inboxList${target}ColdMs`] = coldMs
    results[`inboxList${target}UsPerMessage`] = coldMs * 1000 / target
    results[`inboxList${target}FirstPageMs`] = ms
    log(`inbox list with ${target} messages: first after a start ${coldMs.toFixed(2)} ms, then ${ms.toFixed(2)} ms`)
  }
  await inbox.stop?.()
}

async function directoryCurve (): Promise<void> {
  const publicKey = new Uint8Array(36).fill(7)
  const signature = new Uint8Array(64).fill(9)
  for (const target of CONTACTS) {
    const datastore = new MemoryDatastore()
    const names: string[] = []
    for (let i = 0; i < target; i++) {
      const username = randomName(i)
      names.push(username)
      const peerId = `12D3KooWGrowth${i.toString(36).padStart(38, '0')}`
      await datastore.put(new Key(`/cafe/directory/${peerId}`), encodeContact({ v: 1, peerId, publicKey, username, displayName: `Person ${username}`, inboxes: [], seq: 1, signature }))
    }
    const directory = createDirectory({ datastore, logger, accounts: everyone }, { searchRate: { perMinute: 1e9, burst: 1e9 } })
    const loadStarted = performance.now()
    await directory.start()
    const loadMs = performance.now() - loadStarted
    const samples: number[] = []
    for (let i = 0; i < 500; i++) {
      const q = names[(i * 7919) % names.length].slice(3, 7)
      const started = performance.now()
      await directory.search({ q, limit: 20 })
      samples.push(performance.now() - started)
    }
    results[`directory${target}LoadUsPerContact`] = loadMs * 1000 / target
    results[`directory${target}SearchP50Ms`] = percentile(samples, 50)
    results[`directory${target}SearchP99Ms`] = percentile(samples, 99)
    log(`directory with ${target} contacts: load ${loadMs.toFixed(0)} ms, search p50 ${percentile(samples, 50).toFixed(3)} ms`)
  }
}

const only = process.env.BENCH_GROWTH?.split(',')
for (const [name, curve] of Object.entries({ gateway: gatewayCurve, pins: pinCurve, inbox: inboxCurve, directory: directoryCurve })) {
  if (only == null || only.includes(name)) await curve()
}
report({ growth: results })
