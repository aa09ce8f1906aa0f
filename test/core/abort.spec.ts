/**
 * An abort mid-operation (a closed tab, a client gone, a stream reset) gives back what the
 * operation held: its locks, so the same account's next operation runs at once, and its
 * storage reservations, so the ledger holds nothing for it.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MemoryDatastore } from 'datastore-core'
import { fromString } from 'uint8arrays/from-string'
import { describe, expect, it } from 'vitest'
import { createDirectory } from '../../src/core/directory/directory.ts'
import { signContact } from '../../src/core/directory/contact.ts'
import { encodeEnvelope, sealMessage } from '../../src/core/inbox/envelope.ts'
import { createInbox } from '../../src/core/inbox/index.ts'
import { createSnapshots } from '../../src/core/snapshots/index.ts'
import { createStorageLedger } from '../../src/core/storage/ledger.ts'
import { KeyedLock } from '../../src/core/util/keyed-lock.ts'
import { createAccount, createCafe, registered } from './accounts/fixtures.ts'
import { FakeAccounts as InboxAccounts } from './inbox/fakes.ts'
import { ALICE, FakeAccounts, carOf, makeCafe, makeContent, randomContent } from './pinning/helpers.ts'
import type { AbortOptions } from '../../src/core/types.ts'
import type { Key } from 'interface-datastore'

/** Settles with the promise, or fails the test if it takes longer than `ms`: "at once". */
async function promptly<T> (promise: Promise<T>, ms = 2000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`still waiting after ${ms} ms`)) }, ms) })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

function untilAborted (signal?: AbortSignal): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    if (signal == null) return // never settles: the test times out, as it should
    if (signal.aborted) { reject(signal.reason); return }
    signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
  })
}

/** A datastore whose next put (once armed) hangs until the caller's signal aborts. */
class StallingDatastore extends MemoryDatastore {
  private armed?: PromiseWithResolvers<void>

  /** resolves when the next put has started (and stalls) */
  stallNextPut (): Promise<void> {
    this.armed = Promise.withResolvers<void>()
    return this.armed.promise
  }

  override async put (key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> {
    const armed = this.armed
    if (armed != null) {
      this.armed = undefined
      armed.resolve()
      await untilAborted(options?.signal)
    }
    return super.put(key, value, options)
  }
}

describe('an abort releases locks and reservations', () => {
  it('a lock wait gives up its turn on abort, and the next holder runs once the first is done', async () => {
    const lock = new KeyedLock()
    const first = Promise.withResolvers<void>()
    const holding = lock.run('alice', async () => first.promise)
    const controller = new AbortController()
    const waiting = lock.run('alice', async () => 'never', { signal: controller.signal })
    controller.abort(new Error('gone'))
    await expect(promptly(waiting)).rejects.toThrow('gone')
    first.resolve()
    await holding
    expect(await promptly(lock.run('alice', async () => 'next'))).toBe('next')
  })

  it('snapshots: an aborted write leaves no lock, no reservation and no snapshot', async () => {
    const datastore = new StallingDatastore()
    const accounts = new FakeAccounts([ALICE], 10_000)
    const ledger = createStorageLedger({ accounts, logger: defaultLogger() })
    const snapshots = createSnapshots({ datastore, accounts, logger: defaultLogger(), clock: () => 1_000, ledger }, { maxSnapshotBytes: 4096 })
    const controller = new AbortController()
    const stalled = datastore.stallNextPut()
    const put = snapshots.put(ALICE, 'thread-1', new Uint8Array(100).fill(1), { signal: controller.signal })
    await stalled
    controller.abort()
    await expect(put).rejects.toMatchObject({ name: 'AbortError' })
    expect(ledger.reservedFor(ALICE)).toBe(0)
    expect(await snapshots.list(ALICE)).toEqual([])
    expect(await promptly(snapshots.put(ALICE, 'thread-1', new Uint8Array(50).fill(2)))).toMatchObject({ size: 50 })
    expect(await ledger.usageOf(ALICE)).toMatchObject({ storageBytes: 50 })
  })

  it('pinning: an upload aborted half-way gives back its reservation, and the same upload then succeeds', async () => {
    let ledger: ReturnType<typeof createStorageLedger> | undefined
    const cafe = await makeCafe({ storageBytes: 1_000_000, ledger: accounts => (ledger = createStorageLedger({ accounts, logger: defaultLogger() })) })
    try {
      const root = await makeContent(cafe.source, randomContent(200_000, 7), 16_384)
      const car = await carOf(cafe.source, [root])
      const controller = new AbortController()
      const halfway = Promise.withResolvers<void>()
      const upload = cafe.pinning.importCar(ALICE, (async function * () {
        yield car.subarray(0, car.byteLength >> 1)
        halfway.resolve()
        await untilAborted(controller.signal)
      })(), { signal: controller.signal })
      await halfway.promise
      await new Promise(resolve => setTimeout(resolve, 20))
      expect(ledger!.reservedFor(ALICE)).toBeGreaterThan(0)
      controller.abort()
      await expect(upload).rejects.toMatchObject({ name: 'AbortError' })
      expect(ledger!.reservedFor(ALICE)).toBe(0)
      const results = await promptly(cafe.pinning.importCar(ALICE, (async function * () { yield car })()))
      expect(results).toMatchObject([{ status: 'pinned', pin: { cid: root.toString() } }])
      expect(ledger!.reservedFor(ALICE)).toBe(0)
    } finally {
      await cafe.pinning.stop()
      await cafe.helia.stop()
    }
  })

  it('inbox: an aborted delivery stores nothing and the next message to the same account goes through at once', async () => {
    const datastore = new StallingDatastore()
    const accounts = new InboxAccounts()
    const sender = await generateKeyPair('Ed25519')
    const recipient = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    accounts.register(recipient)
    const now = Date.now()
    const inbox = createInbox({ datastore, logger: defaultLogger(), clock: () => now, accounts })
    const letter = async (text: string): Promise<Uint8Array> => encodeEnvelope(await sealMessage(sender, recipient, fromString(text), { sentAt: now }))
    const controller = new AbortController()
    const stalled = datastore.stallNextPut()
    const delivery = inbox.deliver(await letter('first'), { signal: controller.signal })
    await stalled
    controller.abort()
    await expect(delivery).rejects.toMatchObject({ name: 'AbortError' })
    expect(await promptly(inbox.deliver(await letter('second')))).toMatchObject({ duplicate: false })
    expect(await inbox.usageOf(recipient)).toMatchObject({ inboxMessages: 1 })
  })

  it('inbox: a delivery waiting behind a stalled one gives up at once on abort', async () => {
    const datastore = new StallingDatastore()
    const accounts = new InboxAccounts()
    const sender = await generateKeyPair('Ed25519')
    const recipient = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    accounts.register(recipient)
    const now = Date.now()
    const inbox = createInbox({ datastore, logger: defaultLogger(), clock: () => now, accounts })
    const letter = async (text: string): Promise<Uint8Array> => encodeEnvelope(await sealMessage(sender, recipient, fromString(text), { sentAt: now }))
    const first = new AbortController()
    const stalled = datastore.stallNextPut()
    const holding = inbox.deliver(await letter('first'), { signal: first.signal })
    await stalled
    const second = new AbortController()
    const waiting = inbox.deliver(await letter('second'), { signal: second.signal })
    second.abort()
    await expect(promptly(waiting)).rejects.toMatchObject({ name: 'AbortError' })
    first.abort()
    await expect(holding).rejects.toMatchObject({ name: 'AbortError' })
    expect(await inbox.usageOf(recipient)).toMatchObject({ inboxMessages: 0 })
  })

  it('directory: an aborted publish leaves the account free to publish at once', async () => {
    const datastore = new StallingDatastore()
    const key = await generateKeyPair('Ed25519')
    const account = peerIdFromPrivateKey(key).toString()
    const accounts = new InboxAccounts()
    accounts.register(account)
    const directory = createDirectory({ datastore, logger: defaultLogger(), clock: () => Date.now(), accounts })
    const contact = await signContact(key, { username: 'alice', displayName: 'Alice', inboxes: [], seq: 1 })
    const controller = new AbortController()
    const stalled = datastore.stallNextPut()
    const publish = directory.publish(account, contact, { signal: controller.signal })
    await stalled
    controller.abort()
    await expect(publish).rejects.toMatchObject({ name: 'AbortError' })
    await expect(directory.get(account)).rejects.toMatchObject({ code: 'CONTACT_NOT_FOUND' })
    await promptly(directory.publish(account, contact))
    expect((await directory.get(account)).seq).toBe(1)
  })

  it('accounts: an aborted removal keeps the account, and the next removal runs at once', async () => {
    const cafe = await createCafe()
    const account = await createAccount()
    await registered(cafe, account)
    const stuck = cafe.accounts.addDataOwner({
      removeAccount: async (_account, options) => untilAborted(options?.signal),
      usageOf: async () => ({})
    })
    const controller = new AbortController()
    const removal = cafe.accounts.remove(account.id, { signal: controller.signal })
    await new Promise(resolve => setTimeout(resolve, 20))
    controller.abort()
    await expect(removal).rejects.toMatchObject({ name: 'AbortError' })
    expect(await cafe.accounts.isRegistered(account.id)).toBe(true)
    stuck()
    await promptly(cafe.accounts.remove(account.id))
    expect(await cafe.accounts.isRegistered(account.id)).toBe(false)
  })
})
