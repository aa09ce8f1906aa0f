/**
 * The replication component against a fake remote Pinning Service (an injected fetch): what it
 * sends, how it follows a remote pin, how it backs off when the remote is down, hangs or fails
 * the pin, and that it never logs or shows the access token.
 */
import { MemoryDatastore } from 'datastore-core'
import { Key } from 'interface-datastore'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, describe, expect, it } from 'vitest'
import { checkReplicationInit, createReplication } from '../../../src/core/pinning/replication.ts'
import type { Replication, ReplicationInit } from '../../../src/core/pinning/replication.ts'
import { FakeRemote, TOKEN } from './replication-fake-remote.ts'
import { recordingLogger } from '../recording-logger.ts'

const CID_A = CID.parse('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')
const CID_B = CID.parse('bafkreidon73zkcrwdb5iafqtijxildoonbwnpv7dyd6ef3qdgads2jc4su')
const ORIGINS = ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN']

async function until (what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

describe('replication to remote Pinning Services', () => {
  const running: Replication[] = []
  afterEach(async () => {
    for (const replication of running.splice(0)) await replication.stop()
  })

  function setup (remotes: Record<string, FakeRemote>, init: Omit<ReplicationInit, 'remotes'> = {}, datastore = new MemoryDatastore(), pinned = new Set<string>()) {
    const lines: unknown[][] = []
    const dialled: string[] = []
    const fetchOf = new Map(Object.entries(remotes).map(([name, remote]) => [`https://${name}.example/pinning`, remote]))
    const replication = createReplication({
      datastore,
      logger: recordingLogger(lines),
      fetch: async (input, requestInit) => {
        const remote = [...fetchOf].find(([base]) => input.startsWith(base))?.[1]
        if (remote == null) throw new Error(`no remote at ${input}`)
        return remote.fetch(input, requestInit)
      },
      origins: () => ORIGINS,
      connect: async (addr) => { dialled.push(addr) },
      wanted: async cid => pinned.has(cid.toV1().toString()),
      wantedRoots: async function * () { for (const cid of pinned) yield CID.parse(cid) }
    }, {
      remotes: Object.keys(remotes).map(name => ({ name, endpoint: `https://${name}.example/pinning`, accessToken: TOKEN })),
      minDelayMs: 20,
      maxDelayMs: 200,
      requestTimeoutMs: 200,
      ...init
    })
    running.push(replication)
    const pin = (cid: CID): void => { pinned.add(cid.toString()); replication.changed(cid) }
    const unpin = (cid: CID): void => { pinned.delete(cid.toString()); replication.changed(cid) }
    return { replication, lines, dialled, datastore, pinned, pin, unpin }
  }

  it('sends a pinned DAG with the cafe as origin, dials the delegates, follows the request id to pinned', async () => {
    const remote = new FakeRemote()
    const { replication, pin, dialled } = setup({ cluster: remote })
    await replication.start()
    pin(CID_A)
    await until('pinned', () => replication.replicasOf(CID_A)[0]?.status === 'pinned')
    expect(remote.pinsOf(CID_A)).toMatchObject([{ origins: ORIGINS, status: 'pinned' }])
    expect(remote.calls.map(c => c.method)).toEqual(['POST', 'GET', 'GET'])
    expect(replication.replicasOf(CID_A)).toEqual([{ name: 'cluster', status: 'pinned', requestid: 'r0', updated: expect.any(String) }])
    expect(dialled).toEqual(['/ip4/127.0.0.1/tcp/9999/p2p/remote'])
    expect(replication.status()).toEqual({ queued: 0, pinning: 0, pinned: 1, failed: 0, removing: 0 })
  })

  it('a remote that is down: failed with the reason and a retry time, retried with a bounded backoff, pinned when it is back', async () => {
    const remote = new FakeRemote()
    remote.mode = 'down'
    const { replication, pin } = setup({ cluster: remote }, { minDelayMs: 20, maxDelayMs: 160 })
    await replication.start()
    pin(CID_A)
    await until('failed', () => replication.replicasOf(CID_A)[0]?.status === 'failed')
    const [failed] = replication.replicasOf(CID_A)
    expect(failed.error).toBe('POST /pins: unreachable (ECONNREFUSED)')
    expect(Date.parse(failed.retryAt as string)).toBeGreaterThan(Date.parse(failed.updated))

    await new Promise(resolve => setTimeout(resolve, 1200))
    // 20, 40, 80 ms, then at most 160 ms (times 0.5-1): no more than ~14 attempts in 1.2 s, and never a gap above 160 ms + slack
    const times = remote.calls.map(c => c.at)
    const gaps = times.slice(1).map((t, i) => t - times[i])
    expect(remote.calls.length).toBeGreaterThanOrEqual(4)
    expect(remote.calls.length).toBeLessThanOrEqual(40)
    expect(Math.max(...gaps)).toBeLessThan(160 + 250)
    expect(gaps.slice(-3).every(gap => gap >= 80 - 5)).toBe(true)

    remote.mode = 'up'
    await until('pinned', () => replication.replicasOf(CID_A)[0]?.status === 'pinned', 3000)
    expect(remote.pinsOf(CID_A)).toHaveLength(1)
  })

  it('a remote that did not answer is left alone for its backoff: other pins wait for it instead of each trying', async () => {
    const remote = new FakeRemote()
    remote.mode = 'down'
    const { replication, pin } = setup({ cluster: remote }, { minDelayMs: 1000, maxDelayMs: 4000 })
    await replication.start()
    pin(CID_A)
    await until('failed', () => replication.replicasOf(CID_A)[0]?.status === 'failed')
    pin(CID_B)
    await until('waiting', () => replication.replicasOf(CID_B)[0] != null)
    expect(replication.replicasOf(CID_B)[0]).toMatchObject({ status: 'queued', error: 'waiting for the remote: POST /pins: unreachable (ECONNREFUSED)' })
    expect(remote.calls).toHaveLength(1)
    expect(replication.status()).toEqual({ queued: 1, pinning: 0, pinned: 0, failed: 1, removing: 0 })
    expect(replication.remoteNames()).toEqual(['cluster'])
  })

  it('a remote that never answers is given up on at requestTimeoutMs, and does not hold back another remote', async () => {
    const slow = new FakeRemote()
    slow.mode = 'hang'
    const fast = new FakeRemote()
    const { replication, pin } = setup({ slow, fast }, { concurrency: 1, requestTimeoutMs: 1000 })
    await replication.start()
    const started = performance.now()
    pin(CID_A)
    pin(CID_B)
    await until('both pinned on the fast remote', () => [CID_A, CID_B].every(cid => replication.replicasOf(cid).find(r => r.name === 'fast')?.status === 'pinned'))
    // sharing one queue, the fast remote would wait for the slow one's time limit
    expect(performance.now() - started).toBeLessThan(900)
    await until('timed out on the slow one', () => replication.replicasOf(CID_A).find(r => r.name === 'slow')?.status === 'failed')
    expect(replication.replicasOf(CID_A).find(r => r.name === 'slow')?.error).toBe('POST /pins: no answer in time')
    expect(replication.status('slow').failed).toBeGreaterThanOrEqual(1)
  })

  it('a pin the remote failed is sent again (the failed request deleted), and one the remote lost is sent again', async () => {
    const remote = new FakeRemote()
    remote.failPins = 1
    const { replication, pin } = setup({ cluster: remote })
    await replication.start()
    pin(CID_A)
    await until('pinned', () => replication.replicasOf(CID_A)[0]?.status === 'pinned')
    expect(remote.pinsOf(CID_A).map(p => p.requestid)).toEqual(['r1'])
    expect(remote.calls.slice(0, 3).map(c => `${c.method} ${c.path}`)).toEqual(['POST /pinning/pins', 'DELETE /pinning/pins/r0', 'POST /pinning/pins'])

    // the remote forgets r2 while it is being followed: a new request
    pin(CID_B)
    await until('sent', () => replication.replicasOf(CID_B)[0]?.requestid != null)
    remote.pins.delete(replication.replicasOf(CID_B)[0].requestid as string)
    await until('pinned again', () => replication.replicasOf(CID_B)[0]?.status === 'pinned')
    expect(remote.pinsOf(CID_B)).toHaveLength(1)
  })

  it('the last local unpin deletes the remote pin; a remote that is down meanwhile gets the DELETE when it is back', async () => {
    const remote = new FakeRemote()
    const { replication, pin, unpin } = setup({ cluster: remote })
    await replication.start()
    pin(CID_A)
    pin(CID_B)
    await until('pinned', () => [CID_A, CID_B].every(cid => replication.replicasOf(cid)[0]?.status === 'pinned'))
    unpin(CID_A)
    await until('deleted', () => remote.pinsOf(CID_A).length === 0 && replication.replicasOf(CID_A).length === 0)
    remote.mode = 'down'
    unpin(CID_B)
    await until('removing', () => replication.status().removing === 1)
    expect(replication.replicasOf(CID_B)).toEqual([])
    remote.mode = 'up'
    await until('deleted once back', () => remote.pinsOf(CID_B).length === 0 && replication.status().removing === 0)
  })

  it('a restart resumes from the datastore and backfills a remote added meanwhile; unpinned meanwhile is deleted remotely', async () => {
    const first = new FakeRemote()
    const datastore = new MemoryDatastore()
    const pinned = new Set<string>()
    const one = setup({ first }, {}, datastore, pinned)
    await one.replication.start()
    one.pin(CID_A)
    one.pin(CID_B)
    await until('pinned', () => [CID_A, CID_B].every(cid => one.replication.replicasOf(cid)[0]?.status === 'pinned'))
    await one.replication.stop()
    pinned.delete(CID_B.toString())

    const added = new FakeRemote()
    const two = setup({ first, added }, {}, datastore, pinned)
    await two.replication.start()
    expect(two.replication.replicasOf(CID_A)).toMatchObject([{ name: 'first', status: 'pinned', requestid: 'r0' }])
    await until('backfilled', () => two.replication.replicasOf(CID_A).map(r => r.status).join() === 'pinned,pinned')
    await until('B deleted on the first remote', () => first.pinsOf(CID_B).length === 0)
    expect(added.pinsOf(CID_B)).toEqual([])
    expect(first.calls.filter(c => c.method === 'POST')).toHaveLength(2)
  })

  it('a process killed after sending a pin but before writing the answer finds its request instead of sending it twice', async () => {
    const remote = new FakeRemote()
    const datastore = new MemoryDatastore()
    const pinned = new Set<string>([CID_A.toString(), CID_B.toString()])
    const sender = ORIGINS[0].split('/p2p/')[1]
    // A's request went out (tagged with this cafe's peer id); B's did not; another cafe's request for B is not ours
    remote.pins.set('sent', { requestid: 'sent', cid: CID_A.toString(), origins: ORIGINS, meta: { replica_of: sender }, status: 'pinned', gets: 0 })
    remote.pins.set('theirs', { requestid: 'theirs', cid: CID_B.toString(), origins: [], meta: { replica_of: '12D3KooWSomeoneElse' }, status: 'pinned', gets: 0 })
    for (const cid of [CID_A, CID_B]) {
      await datastore.put(new Key(`/cafe/replicas/cluster/${cid}`), new TextEncoder().encode(JSON.stringify({ cid: cid.toString(), status: 'queued', updated: 0, attempts: 0, sending: true })))
    }
    const { replication } = setup({ cluster: remote }, {}, datastore, pinned)
    await replication.start()
    await until('both pinned', () => [CID_A, CID_B].every(cid => replication.replicasOf(cid)[0]?.status === 'pinned'))
    expect(replication.replicasOf(CID_A)[0].requestid).toBe('sent')
    expect(replication.replicasOf(CID_B)[0].requestid).toMatch(/^r\d+$/)
    expect(remote.calls.filter(c => c.method === 'POST')).toHaveLength(1)
    expect(remote.pinsOf(CID_B).map(p => p.meta)).toEqual([{ replica_of: '12D3KooWSomeoneElse' }, { replica_of: sender }])
  })

  it('a backfill of 600 existing pins reaches every one (the queue filled as it drains)', async () => {
    const remote = new FakeRemote()
    const pinned = new Set<string>()
    for (let i = 0; i < 600; i++) pinned.add(CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`pin ${i}`))).toString())
    const { replication } = setup({ cluster: remote }, { minDelayMs: 5, maxDelayMs: 20 }, new MemoryDatastore(), pinned)
    await replication.start()
    await until('all pinned', () => replication.status().pinned === 600, 20_000)
    expect(remote.pins.size).toBe(600)
    expect(remote.calls.filter(c => c.method === 'POST')).toHaveLength(600)
  }, 30_000)

  it('never logs, stores or shows the access token, and sends it only as the bearer', async () => {
    const remote = new FakeRemote()
    remote.mode = 'down'
    const { replication, pin, lines, datastore } = setup({ cluster: remote })
    await replication.start()
    pin(CID_A)
    await until('a few attempts', () => remote.calls.length >= 3)
    remote.mode = 'up'
    await until('pinned', () => replication.replicasOf(CID_A)[0]?.status === 'pinned')
    expect(remote.calls.every(c => c.auth === `Bearer ${TOKEN}`)).toBe(true)
    expect(lines.length).toBeGreaterThan(0)
    expect(JSON.stringify(lines.map(line => line.map(String)))).not.toContain(TOKEN)
    for await (const { value } of datastore.query({})) expect(new TextDecoder().decode(value)).not.toContain(TOKEN)
    expect(JSON.stringify(replication.replicasOf(CID_A))).not.toContain(TOKEN)
  })

  it('checks the replication setting: names, duplicates, endpoints, tokens, unknown keys', () => {
    const remote = { name: 'cluster', endpoint: 'https://cluster.example/pinning', accessToken: TOKEN }
    expect(checkReplicationInit({ remotes: [remote], library: true, minDelayMs: 10 }, 'pinning.replication')).toEqual({ remotes: [remote], library: true, minDelayMs: 10 })
    const bad = [
      [{ remotes: [{ ...remote, name: 'a/b' }] }, 'pinning.replication.remotes[0].name'],
      [{ remotes: [remote, remote] }, 'used twice'],
      [{ remotes: [{ ...remote, endpoint: 'ftp://x' }] }, 'http or https'],
      [{ remotes: [{ ...remote, accessToken: '' }] }, 'accessToken'],
      [{ remotes: [{ ...remote, extra: 1 }] }, '{ name, endpoint, accessToken }'],
      [{ remote: [] }, 'pinning.replication.remote is not a setting'],
      [{ maxDelayMs: 0 }, 'at least 1']
    ] as const
    for (const [value, message] of bad) {
      let error: Error | undefined
      try { checkReplicationInit(value, 'pinning.replication') } catch (err) { error = err as Error }
      expect(error?.message).toContain(message)
      expect(error?.message).not.toContain(TOKEN)
      expect((error as { code?: string }).code).toBe('CONFIG_INVALID')
    }
  })
})
