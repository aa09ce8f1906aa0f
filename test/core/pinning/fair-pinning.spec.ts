/**
 * Pin-by-CID jobs share the cafe fairly: one account's pins of CIDs nobody has cannot hold
 * every slot, a pin no provider answers fails UNAVAILABLE soon, and failures carry the
 * documented reasons.
 */
import { describe, expect, it } from 'vitest'
import { readBlock } from '../../../src/core/pinning/dag.ts'
import { ALICE, BOB, copyFrom, makeCafe, makeContent, neverFetch, randomContent, settled, isHeld } from './helpers.ts'
import type { FetchDag } from '../../../src/core/pinning/index.ts'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/** A network where only the DAGs in `available` can be had; the others are never answered. */
function networkWith (available: Set<string>): (source: Blockstore, target: Blockstore) => FetchDag {
  return (source, target) => async (cid, options) => {
    if (available.has(cid.toString())) return copyFrom(source, target)(cid, options)
    return neverFetch(cid, options)
  }
}

async function missingCids (count: number): Promise<CID[]> {
  const { MemoryBlockstore } = await import('blockstore-core')
  const nowhere = new MemoryBlockstore()
  const cids: CID[] = []
  for (let i = 0; i < count; i++) cids.push(await makeContent(nowhere, randomContent(500, 1000 + i)))
  return cids
}

describe('fair pinning', () => {
  it("four pins of CIDs nobody has from one account do not delay another account's pin of available content", async () => {
    const available = new Set<string>()
    // the cafe's defaults: 4 slots, a 10-minute pin time limit
    const cafe = await makeCafe({ fetchDag: networkWith(available) })
    try {
      for (const cid of await missingCids(4)) await cafe.pinning.add(ALICE, { cid: cid.toString() })
      await new Promise(resolve => setTimeout(resolve, 20))
      const wanted = await makeContent(cafe.source, randomContent(3000, 5))
      available.add(wanted.toString())
      const started = performance.now()
      const { requestid } = await cafe.pinning.add(BOB, { cid: wanted.toString() })
      expect((await settled(cafe.pinning, BOB, requestid)).status).toBe('pinned')
      const waited = performance.now() - started
      console.log(`the starved account's pin waited ${waited.toFixed(0)} ms`)
      expect(waited).toBeLessThan(1_000)
      // Alice's pins are still waiting for the network: they were not failed to make room
      const alice = await cafe.pinning.list(ALICE, { status: ['queued', 'pinning'] })
      expect(alice.count).toBe(4)
    } finally {
      await cafe.pinning.stop()
    }
  })

  it('one account runs at most its share of the slots; the rest of its pins wait queued', async () => {
    const cafe = await makeCafe({ fetchDag: () => neverFetch, init: { concurrency: 4, perAccount: 2 } })
    try {
      for (const cid of await missingCids(5)) await cafe.pinning.add(ALICE, { cid: cid.toString() })
      await new Promise(resolve => setTimeout(resolve, 30))
      expect((await cafe.pinning.list(ALICE, { status: ['pinning'] })).count).toBe(2)
      expect((await cafe.pinning.list(ALICE, { status: ['queued'] })).count).toBe(3)
    } finally {
      await cafe.pinning.stop()
    }
  })

  it('deleting a pin that waits in the queue answers at once and lets go of what it replaced', async () => {
    const available = new Set<string>()
    const cafe = await makeCafe({ fetchDag: networkWith(available), init: { concurrency: 1, perAccount: 1 } })
    try {
      const kept = await makeContent(cafe.source, randomContent(2000, 21))
      available.add(kept.toString())
      const first = await cafe.pinning.add(BOB, { cid: kept.toString() })
      expect((await settled(cafe.pinning, BOB, first.requestid)).status).toBe('pinned')
      // Alice's pin nobody can serve takes the only slot; Bob's replacement waits behind it
      const [stuck, other] = await missingCids(2)
      await cafe.pinning.add(ALICE, { cid: stuck.toString() })
      const replacement = await cafe.pinning.replace(BOB, first.requestid, { cid: other.toString() })
      await new Promise(resolve => setTimeout(resolve, 20))
      expect((await cafe.pinning.get(BOB, replacement.requestid)).status).toBe('queued')
      expect(await isHeld(cafe, kept)).toBe(true)
      const started = performance.now()
      await cafe.pinning.remove(BOB, replacement.requestid)
      expect(performance.now() - started).toBeLessThan(500)
      expect(await isHeld(cafe, kept)).toBe(false)
      expect(await cafe.blockstore.has(kept)).toBe(false)
    } finally {
      await cafe.pinning.stop()
    }
  })

  it('a pin whose root block no provider sends fails UNAVAILABLE at the no-provider limit, long before the pin time limit', async () => {
    const cafe = await makeCafe({ fetchDag: () => neverFetch, init: { noProviderTimeoutMs: 150, pinTimeoutMs: 60_000 } })
    const [cid] = await missingCids(1)
    const started = performance.now()
    const { requestid } = await cafe.pinning.add(ALICE, { cid: cid.toString() })
    const done = await settled(cafe.pinning, ALICE, requestid)
    expect(done.status).toBe('failed')
    expect(done.info.reason).toBe('UNAVAILABLE')
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(await cafe.pinning.usageOf(ALICE)).toEqual({ pins: 0, pinBytes: 0 })
  })

  it('a slow DAG whose root has arrived is not cut at the no-provider limit', async () => {
    const cafe = await makeCafe({
      fetchDag: (source, target) => async (cid, options) => {
        await target.put(cid, await readBlock(source, cid))
        await new Promise(resolve => setTimeout(resolve, 300))
        await copyFrom(source, target)(cid, options)
      },
      init: { noProviderTimeoutMs: 100 }
    })
    const cid = await makeContent(cafe.source, randomContent(5000, 9))
    const { requestid } = await cafe.pinning.add(ALICE, { cid: cid.toString() })
    expect((await settled(cafe.pinning, ALICE, requestid)).status).toBe('pinned')
  })

  it('a pin whose origin is up but lacks the CID fails UNAVAILABLE, not INTERNAL', async () => {
    const cafe = await makeCafe({ fetchDag: () => async () => { throw new Error('Provider did not have block') } })
    const [cid] = await missingCids(1)
    const { requestid } = await cafe.pinning.add(ALICE, { cid: cid.toString(), origins: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDBmsSHJsnfSFVLgApFFxFiBRvYXN6Njpu3FrXXMZ6nMC'] })
    const done = await settled(cafe.pinning, ALICE, requestid)
    expect(done.status).toBe('failed')
    expect(done.info.reason).toBe('UNAVAILABLE')
    expect(done.info.status_details).toContain('Provider did not have block')
  })

  it('a fault inside the cafe is reported with the spec reason INTERNAL_SERVER_ERROR, its details not leaked', async () => {
    const cafe = await makeCafe()
    const cid = await makeContent(cafe.source, randomContent(2000, 11))
    // the batch that writes the pin's references fails
    const batch = cafe.datastore.batch.bind(cafe.datastore)
    cafe.datastore.batch = () => ({ ...batch(), commit: async () => { throw new Error('secret internal detail') } })
    const { requestid } = await cafe.pinning.add(ALICE, { cid: cid.toString() })
    const done = await settled(cafe.pinning, ALICE, requestid)
    expect(done.status).toBe('failed')
    expect(done.info.reason).toBe('INTERNAL_SERVER_ERROR')
    expect(done.info.status_details).not.toContain('secret')
  })
})
