import { defaultLogger } from '@libp2p/logger'
import { describe, expect, it } from 'vitest'
import { createStorageLedger } from '../../../src/core/storage/ledger.ts'
import { createSnapshots } from '../../../src/core/snapshots/index.ts'
import { MemoryDatastore } from 'datastore-core'
import { ALICE, BOB, FakeAccounts, carOf, countBlocks, makeCafe, makeContent, randomContent } from '../pinning/helpers.ts'
import type { StorageLedger } from '../../../src/core/storage/ledger.ts'

/** A ledger over one fake service whose committed bytes the test sets. */
function makeLedger (storageBytes = 1000): { ledger: StorageLedger, stored: Map<string, number>, accounts: FakeAccounts } {
  const accounts = new FakeAccounts([ALICE, BOB], storageBytes)
  const ledger = createStorageLedger({ accounts, logger: defaultLogger() })
  const stored = new Map<string, number>()
  ledger.addSource('test', async account => stored.get(account) ?? 0)
  return { ledger, stored, accounts }
}

async function rejects (promise: Promise<unknown> | (() => unknown)): Promise<{ name: string, code: string, status: number }> {
  try {
    await (typeof promise === 'function' ? promise() : promise)
  } catch (err) {
    return err as { name: string, code: string, status: number }
  }
  throw new Error('expected a rejection')
}

describe('the storage ledger', () => {
  it('reservations that fit together all succeed; the one that would pass the quota gets 413 QUOTA_EXCEEDED', async () => {
    const { ledger } = makeLedger(1000)
    const held = await Promise.all([300, 300, 300].map(async bytes => ledger.reserve(ALICE, bytes)))
    expect(ledger.reservedFor(ALICE)).toBe(900)
    const over = await rejects(ledger.reserve(ALICE, 101))
    expect(over).toMatchObject({ code: 'QUOTA_EXCEEDED', status: 413 })
    await ledger.reserve(ALICE, 100)
    // another account has its own books
    await ledger.reserve(BOB, 1000)
    held[0].release()
    held[0].release()
    expect(ledger.reservedFor(ALICE)).toBe(700)
  })

  it('a reservation grows block by block while there is room, and stops at the quota', async () => {
    const { ledger } = makeLedger(1000)
    const declared = await ledger.reserve(ALICE, 400)
    declared.grow(300)
    declared.grow(100)
    // within what was declared: nothing more is held
    expect(ledger.reservedFor(ALICE)).toBe(400)
    declared.grow(200)
    expect(ledger.reservedFor(ALICE)).toBe(600)
    const other = await ledger.reserve(ALICE, 0)
    other.grow(400)
    expect((await rejects(() => { other.grow(1) })).code).toBe('QUOTA_EXCEEDED')
    expect(ledger.reservedFor(ALICE)).toBe(1000)
  })

  it('a commit checks the net bytes under the lock and counts them as committed', async () => {
    const { ledger, stored } = makeLedger(1000)
    const first = await ledger.reserve(ALICE, 0)
    const second = await ledger.reserve(ALICE, 0)
    const write = (bytes: number) => async (fit: (n: number) => void) => {
      fit(bytes)
      await new Promise(resolve => setTimeout(resolve, 5))
      stored.set(ALICE, (stored.get(ALICE) ?? 0) + bytes)
    }
    const results = await Promise.allSettled([first.commit(write(600)), second.commit(write(600))])
    expect(results.map(r => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    expect(stored.get(ALICE)).toBe(600)
    expect(ledger.reservedFor(ALICE)).toBe(0)
    expect(await ledger.usageOf(ALICE)).toEqual({ storageBytes: 600 })
    // adding nothing always fits, shrinking frees room
    await (await ledger.reserve(ALICE, 0)).commit(async fit => { fit(0) })
    await (await ledger.reserve(ALICE, 0)).commit(async fit => { fit(-200); stored.set(ALICE, 400) })
    expect((await ledger.reserve(ALICE, 600)).bytes).toBe(600)
  })

  it('an account with no storage left cannot start a request of unknown size', async () => {
    const { ledger, stored } = makeLedger(1000)
    stored.set(ALICE, 1000)
    expect((await rejects(ledger.reserve(ALICE, 0, { sizeUnknown: true }))).code).toBe('QUOTA_EXCEEDED')
    expect((await ledger.reserve(ALICE, 0)).bytes).toBe(0)
  })

  it('a commit that fails ends the reservation, and so does an abort while waiting for the lock', async () => {
    const { ledger } = makeLedger(1000)
    const held = await ledger.reserve(ALICE, 500)
    await expect(held.commit(async () => { throw new Error('disk full') })).rejects.toThrow('disk full')
    expect(ledger.reservedFor(ALICE)).toBe(0)

    const gate = Promise.withResolvers<void>()
    const slow = await ledger.reserve(ALICE, 100)
    const waiting = await ledger.reserve(ALICE, 200)
    const committing = slow.commit(async fit => { fit(0); await gate.promise })
    const controller = new AbortController()
    const stuck = waiting.commit(async fit => { fit(200) }, { signal: controller.signal })
    const queued = ledger.reserve(ALICE, 10, { signal: controller.signal })
    controller.abort(new Error('the client went away'))
    await expect(stuck).rejects.toThrow('the client went away')
    await expect(queued).rejects.toThrow('the client went away')
    expect(ledger.reservedFor(ALICE)).toBe(100)
    gate.resolve()
    await committing
    expect(ledger.reservedFor(ALICE)).toBe(0)
    // the lock still works after the aborted waits
    expect((await ledger.reserve(ALICE, 1000)).bytes).toBe(1000)
  })

  it('under random concurrent reserves, growths, commits and releases, committed + reserved never passes the quota', async () => {
    const { ledger, stored } = makeLedger(10_000)
    let seed = 7
    const random = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n }
    let worst = 0
    const check = (): void => { worst = Math.max(worst, (stored.get(ALICE) ?? 0) + ledger.reservedFor(ALICE)) }
    await Promise.all(Array.from({ length: 200 }, async () => {
      await new Promise(resolve => setTimeout(resolve, random(5)))
      let reservation
      try {
        reservation = await ledger.reserve(ALICE, random(2) === 0 ? random(3000) : 0)
      } catch { return }
      check()
      try {
        for (let i = random(4); i > 0; i--) { reservation.grow(random(1500)); check(); await new Promise(resolve => setTimeout(resolve, random(3))) }
        if (random(3) === 0) { reservation.release(); return }
        const bytes = random(2000)
        await reservation.commit(async fit => {
          fit(bytes)
          check()
          await new Promise(resolve => setTimeout(resolve, random(3)))
          stored.set(ALICE, (stored.get(ALICE) ?? 0) + bytes)
        })
        check()
        // some stored bytes go again (an unpin)
        if (random(4) === 0) stored.set(ALICE, Math.max(0, (stored.get(ALICE) ?? 0) - bytes))
      } catch (err) {
        expect((err as { code?: string }).code).toBe('QUOTA_EXCEEDED')
      } finally {
        reservation.release()
      }
    }))
    expect(worst).toBeLessThanOrEqual(10_000)
    expect(worst).toBeGreaterThan(5_000)
    expect(ledger.reservedFor(ALICE)).toBe(0)
  })

  it('each service gives its reservation back when its request is aborted: an upload mid-stream, a snapshot waiting for the lock', async () => {
    let ledger: StorageLedger | undefined
    const cafe = await makeCafe({ storageBytes: 100_000, ledger: accounts => { ledger = createStorageLedger({ accounts, logger: defaultLogger() }); return ledger } })
    if (ledger == null) throw new Error('no ledger')
    const root = await makeContent(cafe.source, randomContent(30_000, 3))
    const car = await carOf(cafe.source, [root])
    const controller = new AbortController()
    const body = (async function * () {
      yield car.subarray(0, 10_000)
      controller.abort(new Error('the client went away'))
      yield car.subarray(10_000)
    })()
    await expect(cafe.pinning.importCar(ALICE, body, { declaredSize: car.byteLength, signal: controller.signal })).rejects.toThrow()
    expect(ledger.reservedFor(ALICE)).toBe(0)
    expect(await countBlocks(cafe.blockstore)).toBe(0)

    const snapshots = createSnapshots({ datastore: new MemoryDatastore(), accounts: cafe.accounts, logger: defaultLogger(), ledger }, { maxSnapshotBytes: 10_000 })
    // an upload holds the account's lock while it commits; a snapshot put waits for it, then gives up
    const held = await ledger.reserve(ALICE, 1000)
    const gate = Promise.withResolvers<void>()
    const committing = held.commit(async fit => { fit(0); await gate.promise })
    const aborted = new AbortController()
    const put = snapshots.put(ALICE, 'thread', new Uint8Array(500), { signal: aborted.signal })
    await new Promise(resolve => setTimeout(resolve, 10))
    aborted.abort(new Error('the client went away'))
    await expect(put).rejects.toThrow('the client went away')
    gate.resolve()
    await committing
    expect(ledger.reservedFor(ALICE)).toBe(0)
    expect(await snapshots.list(ALICE)).toEqual([])
  })
})
