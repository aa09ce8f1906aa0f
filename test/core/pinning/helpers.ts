import { defaultLogger } from '@libp2p/logger'
import { CarWriter } from '@ipld/car'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight } from 'helia'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import all from 'it-all'
import { createPinning } from '../../../src/core/pinning/index.ts'
import { blockKey, readBlock, walkDag } from '../../../src/core/pinning/dag.ts'
import type { FetchDag, Pinning, PinningComponents, PinningInit, PinStatus } from '../../../src/core/pinning/index.ts'
import type { StorageLedger } from '../../../src/core/storage/ledger.ts'
import type { AccountDirectory, AccountId, Quota } from '../../../src/core/types.ts'
import type { Helia } from 'helia'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

export const ALICE = '12D3KooWAlice'
export const BOB = '12D3KooWBob'
export const MALLORY = '12D3KooWNotRegistered'

export class FakeAccounts implements AccountDirectory {
  readonly quotas = new Map<AccountId, Quota>()

  constructor (accounts: AccountId[], storageBytes = 10_000_000) {
    for (const account of accounts) this.quotas.set(account, { storageBytes, inboxMessages: 100, inboxBytes: 1_000_000 })
  }

  async isRegistered (account: AccountId): Promise<boolean> {
    return this.quotas.has(account)
  }

  async quotaOf (account: AccountId): Promise<Quota> {
    const quota = this.quotas.get(account)
    if (quota == null) throw new Error('not registered')
    return quota
  }

  setStorage (account: AccountId, storageBytes: number): void {
    this.quotas.set(account, { ...this.quotas.get(account) as Quota, storageBytes })
  }
}

/** A client's own node: content it made, which the cafe can fetch from it. */
export async function makeContent (source: Blockstore, bytes: Uint8Array, chunkSize = 1024): Promise<CID> {
  const entries = await all(importer([{ content: bytes }], source, { chunker: fixedSize({ chunkSize }), rawLeaves: true }))
  return entries[entries.length - 1].cid
}

export function randomContent (length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length)
  let x = seed
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    bytes[i] = x >> 16
  }
  return bytes
}

export async function carOf (source: Blockstore, roots: CID[], blocks?: Array<{ cid: CID, bytes: Uint8Array }>): Promise<Uint8Array<ArrayBuffer>> {
  const { writer, out } = CarWriter.create(roots)
  const collected = all(out)
  if (blocks == null) {
    blocks = []
    for (const root of roots) {
      for await (const { cid } of walkDag(source, root)) blocks.push({ cid, bytes: await readBlock(source, cid) })
    }
  }
  for (const block of blocks) await writer.put(block)
  await writer.close()
  const chunks = await collected
  const car = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let offset = 0
  for (const chunk of chunks) { car.set(chunk, offset); offset += chunk.byteLength }
  return car
}

export async function * chunked (bytes: Uint8Array, size = 1000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size)
}

/** Copies a DAG from the client's blockstore, as bitswap would. */
export function copyFrom (source: Blockstore, target: Blockstore): FetchDag & { calls: CID[] } {
  const calls: CID[] = []
  const fetchDag = async (cid: CID, { signal }: { signal: AbortSignal }): Promise<void> => {
    calls.push(cid)
    for await (const block of walkDag(source, cid, { signal })) {
      await target.put(block.cid, await readBlock(source, block.cid))
    }
  }
  return Object.assign(fetchDag, { calls })
}

/** A network that never answers: waits for the abort. */
export const neverFetch: FetchDag = async (_cid, { signal }) => {
  await new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
  })
}

export interface Cafe {
  pinning: Pinning
  blockstore: MemoryBlockstore
  datastore: MemoryDatastore
  helia: Helia
  accounts: FakeAccounts
  source: MemoryBlockstore
  now: { value: number }
}

export async function makeCafe (opts: { fetchDag?: (source: Blockstore, target: Blockstore) => FetchDag, storageBytes?: number, init?: PinningInit, ledger?: (accounts: FakeAccounts) => StorageLedger, components?: Partial<PinningComponents> } = {}): Promise<Cafe> {
  const blockstore = new MemoryBlockstore()
  const datastore = new MemoryDatastore()
  const helia = createHeliaLight({ blockstore, datastore })
  await helia.start()
  const source = new MemoryBlockstore()
  const accounts = new FakeAccounts([ALICE, BOB], opts.storageBytes)
  const now = { value: Date.parse('2026-11-01T00:00:00Z') }
  const pinning = createPinning({
    blockstore,
    datastore,
    pins: helia.pins,
    fetchDag: (opts.fetchDag ?? copyFrom)(source, blockstore),
    accounts,
    logger: defaultLogger(),
    clock: () => now.value,
    ledger: opts.ledger?.(accounts),
    delegates: () => ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWCafe'],
    ...opts.components
  }, opts.init)
  await pinning.start()
  return { pinning, blockstore, datastore, helia, accounts, source, now }
}

/** Keys the pinning service keeps under a prefix (/cafe/pins, /cafe/pinrefs, /cafe/blockrefs). */
export async function countKeys (datastore: MemoryDatastore, prefix: string): Promise<number> {
  return (await all(datastore.queryKeys({ prefix }))).length
}

/** Some pinned root (an account's pin or the cafe's `keep`) holds this block, by the cafe's own books. */
export async function isHeld (cafe: Pick<Cafe, 'datastore'>, cid: CID): Promise<boolean> {
  return await countKeys(cafe.datastore, `/cafe/blockrefs/${blockKey(cid)}/`) > 0
}

export async function countBlocks (blockstore: Blockstore): Promise<number> {
  return (await all(blockstore.getAll())).length
}

/** Poll until the request leaves queued/pinning. */
export async function settled (pinning: Pinning, account: AccountId, requestid: string): Promise<PinStatus> {
  for (let i = 0; i < 500; i++) {
    const status = await pinning.get(account, requestid)
    if (status.status === 'pinned' || status.status === 'failed') return status
    await new Promise(resolve => setTimeout(resolve, 5))
  }
  throw new Error(`pin ${requestid} did not settle`)
}
