/**
 * Replication as the pinning service runs it: which DAGs go to the remotes (account pins once
 * complete here; the owner's library only when asked), and where a pin's replicas show.
 */
import { describe, expect, it } from 'vitest'
import { ALICE, BOB, makeCafe, makeContent, neverFetch, randomContent, settled } from './helpers.ts'
import { FakeRemote, TOKEN } from './replication-fake-remote.ts'
import type { Cafe } from './helpers.ts'
import type { ReplicationInit } from '../../../src/core/pinning/index.ts'

async function replicatingCafe (remote: FakeRemote, init: Omit<ReplicationInit, 'remotes'> = {}, fetchDag?: typeof neverFetch): Promise<Cafe> {
  return makeCafe({
    fetchDag: fetchDag == null ? undefined : () => fetchDag,
    init: { noProviderTimeoutMs: 1000, replication: { remotes: [{ name: 'cluster', endpoint: 'https://cluster.example/pinning', accessToken: TOKEN }], minDelayMs: 10, maxDelayMs: 50, ...init } },
    components: { fetch: remote.fetch }
  })
}

async function until (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

describe('the pinning service replicates what its accounts pin', () => {
  it('a pinned request shows its replicas in info.replicas; two accounts pinning one DAG make one remote pin, removed after the last unpin', async () => {
    const remote = new FakeRemote()
    const cafe = await replicatingCafe(remote)
    try {
      const cid = await makeContent(cafe.source, randomContent(5000, 3))
      const alice = await settled(cafe.pinning, ALICE, (await cafe.pinning.add(ALICE, { cid: cid.toString() })).requestid)
      expect(alice.status).toBe('pinned')
      await until('replicated', async () => (await cafe.pinning.get(ALICE, alice.requestid)).info.replicas?.[0]?.status === 'pinned')
      expect((await cafe.pinning.get(ALICE, alice.requestid)).info).toMatchObject({ dag_size: expect.any(String), replicas: [{ name: 'cluster', status: 'pinned', requestid: 'r0' }] })
      // the remote pin names the cafe as origin
      expect(remote.pinsOf(cid)).toMatchObject([{ origins: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWCafe'] }])

      const bob = await settled(cafe.pinning, BOB, (await cafe.pinning.add(BOB, { cid: cid.toString() })).requestid)
      expect(bob.info.replicas).toMatchObject([{ name: 'cluster', status: 'pinned', requestid: 'r0' }])
      await cafe.pinning.remove(ALICE, alice.requestid)
      await new Promise(resolve => setTimeout(resolve, 100))
      expect(remote.pinsOf(cid)).toHaveLength(1)
      await cafe.pinning.remove(BOB, bob.requestid)
      await until('removed remotely', () => remote.pinsOf(cid).length === 0)
      expect(remote.calls.filter(c => c.method === 'POST')).toHaveLength(1)
      expect(cafe.pinning.replicationStatus()).toEqual({ queued: 0, pinning: 0, pinned: 0, failed: 0, removing: 0 })
    } finally {
      await cafe.pinning.stop()
    }
  })

  it('a request that failed here is not replicated and shows no replicas', async () => {
    const remote = new FakeRemote()
    const cafe = await replicatingCafe(remote, {}, neverFetch)
    try {
      const cid = await makeContent(cafe.source, randomContent(5000, 4))
      const failed = await settled(cafe.pinning, ALICE, (await cafe.pinning.add(ALICE, { cid: cid.toString() })).requestid)
      expect(failed.status).toBe('failed')
      expect(failed.info.replicas).toBeUndefined()
      await new Promise(resolve => setTimeout(resolve, 100))
      expect(remote.calls).toEqual([])
    } finally {
      await cafe.pinning.stop()
    }
  }, 10_000)

  it('the owner\'s library is replicated only with library: true, and let go remotely on unkeep', async () => {
    for (const library of [false, true]) {
      const remote = new FakeRemote()
      const cafe = await replicatingCafe(remote, { library })
      try {
        const cid = await makeContent(cafe.blockstore, randomContent(3000, 5))
        await cafe.pinning.keep(cid, 'library')
        if (!library) {
          await new Promise(resolve => setTimeout(resolve, 100))
          expect(remote.calls).toEqual([])
          continue
        }
        await until('library replicated', () => remote.pinsOf(cid)[0]?.status === 'pinned')
        await cafe.pinning.unkeep(cid, 'library')
        await until('library let go', () => remote.pinsOf(cid).length === 0)
      } finally {
        await cafe.pinning.stop()
      }
    }
  })
})
