import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { MemoryDatastore } from 'datastore-core'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { createSnapshots, deriveSnapshotKey, openSnapshot, sealSnapshot } from '../../../src/core/snapshots/index.ts'
import { createStorageLedger } from '../../../src/core/storage/ledger.ts'
import type { StorageLedger } from '../../../src/core/storage/ledger.ts'
import { ALICE, BOB, FakeAccounts, MALLORY } from '../pinning/helpers.ts'
import type { Snapshots } from '../../../src/core/snapshots/index.ts'

const HEAD = 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const THREAD = 'bafkthreadaaaa01'

async function rejects (promise: Promise<unknown> | (() => unknown)): Promise<{ name: string, code: string, status: number }> {
  try {
    await (typeof promise === 'function' ? promise() : promise)
  } catch (err) {
    return err as { name: string, code: string, status: number }
  }
  throw new Error('expected a rejection')
}

function makeSnapshots (opts: { storageBytes?: number, pinned?: number, headPinned?: (account: string, cid: string) => Promise<boolean> } = {}): { snapshots: Snapshots, accounts: FakeAccounts, datastore: MemoryDatastore, ledger: StorageLedger, now: { value: number } } {
  const datastore = new MemoryDatastore()
  const accounts = new FakeAccounts([ALICE, BOB], opts.storageBytes ?? 10_000)
  const now = { value: 1_000 }
  const ledger = createStorageLedger({ accounts, logger: defaultLogger() })
  // another service's committed bytes, as pinning would report them
  if (opts.pinned != null) ledger.addSource('pins', async () => opts.pinned ?? 0)
  const snapshots = createSnapshots({ datastore, accounts, logger: defaultLogger(), clock: () => now.value, ledger, headPinned: opts.headPinned }, { maxSnapshotBytes: 4096 })
  return { snapshots, accounts, datastore, ledger, now }
}

const bytes = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill)

describe('snapshots', () => {
  it('a client stores, lists, reads, replaces and deletes its thread snapshots', async () => {
    const { snapshots, now } = makeSnapshots()
    expect(await snapshots.put(ALICE, THREAD, bytes(100), { head: HEAD })).toEqual({ threadId: THREAD, size: 100, updatedAt: 1000, head: HEAD })
    now.value = 2000
    await snapshots.put(ALICE, 'another-thread', bytes(50))
    expect(await snapshots.list(ALICE)).toEqual([
      { threadId: 'another-thread', size: 50, updatedAt: 2000 },
      { threadId: THREAD, size: 100, updatedAt: 1000, head: HEAD }
    ])
    expect((await snapshots.get(ALICE, THREAD)).ciphertext).toEqual(bytes(100))

    now.value = 3000
    await snapshots.put(ALICE, THREAD, bytes(70, 2))
    const replaced = await snapshots.get(ALICE, THREAD)
    expect(replaced).toEqual({ threadId: THREAD, size: 70, updatedAt: 3000, ciphertext: bytes(70, 2) })
    expect(await snapshots.usageOf(ALICE)).toEqual({ snapshots: 2, snapshotBytes: 120 })

    await snapshots.delete(ALICE, THREAD)
    expect((await rejects(snapshots.get(ALICE, THREAD))).code).toBe('NOT_FOUND')
    expect((await rejects(snapshots.delete(ALICE, THREAD))).code).toBe('NOT_FOUND')
    expect(await snapshots.usageOf(ALICE)).toEqual({ snapshots: 1, snapshotBytes: 50 })
  })

  it("a client cannot read, list or delete another client's snapshots", async () => {
    const { snapshots } = makeSnapshots()
    await snapshots.put(ALICE, THREAD, bytes(100))
    expect(await snapshots.list(BOB)).toEqual([])
    expect((await rejects(snapshots.get(BOB, THREAD))).status).toBe(404)
    expect((await rejects(snapshots.delete(BOB, THREAD))).status).toBe(404)
    await snapshots.put(BOB, THREAD, bytes(10, 9))
    expect((await snapshots.get(ALICE, THREAD)).ciphertext).toEqual(bytes(100))
    expect((await rejects(snapshots.list(MALLORY))).name).toBe('UnauthorizedError')
  })

  it('bad thread ids, empty or oversized snapshots and malformed heads are refused', async () => {
    const { snapshots } = makeSnapshots()
    for (const threadId of ['', 'a/b', '../x', 'x'.repeat(129), 'sp ace', 'a:b']) {
      expect((await rejects(snapshots.put(ALICE, threadId, bytes(10)))).code, threadId).toBe('THREAD_ID_INVALID')
    }
    expect((await rejects(snapshots.get(ALICE, 'a/b'))).code).toBe('THREAD_ID_INVALID')
    expect((await rejects(snapshots.put(ALICE, THREAD, new Uint8Array(0)))).status).toBe(400)
    const big = await rejects(snapshots.put(ALICE, THREAD, bytes(4097)))
    expect(big.code).toBe('SNAPSHOT_TOO_LARGE')
    expect(big.status).toBe(413)
    expect((await rejects(snapshots.put(ALICE, THREAD, bytes(10), { head: 'not-a-cid' }))).code).toBe('CID_INVALID')
    expect(await snapshots.list(ALICE)).toEqual([])
  })

  it('snapshots count toward the storage quota, a replacement only by its growth', async () => {
    const { snapshots } = makeSnapshots({ storageBytes: 5000 })
    await snapshots.put(ALICE, 'a', bytes(3000))
    const over = await rejects(snapshots.put(ALICE, 'b', bytes(2500)))
    expect(over.code).toBe('QUOTA_EXCEEDED')
    expect(over.status).toBe(413)
    await snapshots.put(ALICE, 'a', bytes(4000))
    await snapshots.put(ALICE, 'b', bytes(1000))
    expect((await snapshots.usageOf(ALICE)).snapshotBytes).toBe(5000)
  })

  it('the quota counts pinned bytes too: pins and snapshots share one ledger', async () => {
    const { snapshots, ledger } = makeSnapshots({ storageBytes: 5000, pinned: 4500 })
    await snapshots.put(ALICE, 'a', bytes(400))
    expect((await rejects(snapshots.put(ALICE, 'b', bytes(200)))).code).toBe('QUOTA_EXCEEDED')
    expect(await ledger.usageOf(ALICE)).toEqual({ storageBytes: 4900 })
  })

  it('when the cafe requires it, a snapshot whose head is not pinned by the account is refused', async () => {
    const { snapshots } = makeSnapshots({ headPinned: async (account, cid) => account === ALICE && cid === HEAD })
    await snapshots.put(ALICE, THREAD, bytes(10), { head: HEAD })
    expect((await rejects(snapshots.put(BOB, THREAD, bytes(10), { head: HEAD }))).code).toBe('HEAD_NOT_PINNED')
  })

  it('removing an account deletes its snapshots and nobody else’s', async () => {
    const { snapshots, datastore } = makeSnapshots()
    await snapshots.put(ALICE, 'a', bytes(10))
    await snapshots.put(ALICE, 'b', bytes(10))
    await snapshots.put(BOB, 'a', bytes(20))
    await snapshots.removeAccount(ALICE)
    expect(await snapshots.usageOf(ALICE)).toEqual({ snapshots: 0, snapshotBytes: 0 })
    let aliceKeys = 0
    for await (const key of datastore.queryKeys({})) if (key.toString().includes(ALICE)) aliceKeys++
    expect(aliceKeys).toBe(0)
    expect((await snapshots.get(BOB, 'a')).size).toBe(20)
  })
})

describe('snapshot sealing', () => {
  it('a sealed snapshot opens with the same account key on another device', async () => {
    const account = await generateKeyPair('Ed25519')
    const threadKey = new Uint8Array(32).fill(7)
    const sealed = sealSnapshot(deriveSnapshotKey(account), THREAD, { metadata: { name: 'Family', keys: { read: threadKey }, members: 3 }, head: HEAD })
    // the second device has only the account key's bytes
    const opened = openSnapshot(deriveSnapshotKey(account.raw), THREAD, sealed)
    expect(opened).toEqual({ metadata: { name: 'Family', keys: { read: threadKey }, members: 3 }, head: HEAD })
    expect(CID.parse(opened.head!).toString()).toBe(HEAD)
  })

  it('the same content seals differently each time, and the cafe sees no plaintext', async () => {
    const key = deriveSnapshotKey(await generateKeyPair('Ed25519'))
    const a = sealSnapshot(key, THREAD, { metadata: 'secret thread name' })
    const b = sealSnapshot(key, THREAD, { metadata: 'secret thread name' })
    expect(a).not.toEqual(b)
    expect(new TextDecoder('latin1').decode(a)).not.toContain('secret')
  })

  it('a snapshot sealed for thread A does not open as thread B', async () => {
    const key = deriveSnapshotKey(await generateKeyPair('Ed25519'))
    const sealed = sealSnapshot(key, 'thread-a', { metadata: {} })
    expect((await rejects(() => openSnapshot(key, 'thread-b', sealed))).code).toBe('SNAPSHOT_UNREADABLE')
  })

  it('a snapshot does not open with another account key, nor once altered', async () => {
    const key = deriveSnapshotKey(await generateKeyPair('Ed25519'))
    const other = deriveSnapshotKey(await generateKeyPair('Ed25519'))
    const sealed = sealSnapshot(key, THREAD, { metadata: { x: 1 } })
    expect((await rejects(() => openSnapshot(other, THREAD, sealed))).code).toBe('SNAPSHOT_UNREADABLE')
    const altered = sealed.slice()
    altered[altered.length - 1] ^= 1
    expect((await rejects(() => openSnapshot(key, THREAD, altered))).code).toBe('SNAPSHOT_UNREADABLE')
    expect((await rejects(() => openSnapshot(key, THREAD, sealed.subarray(0, 30)))).code).toBe('SNAPSHOT_UNREADABLE')
  })

  it('the key is derived, stable and not the account key itself', async () => {
    const account = await generateKeyPair('Ed25519')
    const key = deriveSnapshotKey(account)
    expect(key).toHaveLength(32)
    expect(deriveSnapshotKey(account.raw)).toEqual(key)
    expect(account.raw.subarray(0, 32)).not.toEqual(key)
  })

  it('a sealed snapshot round-trips through the cafe', async () => {
    const { snapshots } = makeSnapshots()
    const key = deriveSnapshotKey(await generateKeyPair('Ed25519'))
    await snapshots.put(ALICE, THREAD, sealSnapshot(key, THREAD, { metadata: { title: 't' }, head: HEAD }), { head: HEAD })
    const listed = await snapshots.list(ALICE)
    const stored = await snapshots.get(ALICE, listed[0].threadId)
    expect(openSnapshot(key, stored.threadId, stored.ciphertext)).toEqual({ metadata: { title: 't' }, head: HEAD })
  })
})
