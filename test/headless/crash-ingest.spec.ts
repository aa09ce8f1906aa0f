/**
 * kill -9 during CAR uploads: the headless cafe runs as a child process (`npm run cafe`),
 * is killed at several points of a large streamed upload (half and most of the body sent,
 * all of it sent, and the pin being written), and restarted on the same data directory. After every
 * restart the blocks on disk are exactly the blocks of the committed pins, with no
 * temporary file, and the account's usage matches its pins.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { CarBlockIterator, CarWriter } from '@ipld/car'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { FsBlockstore } from 'blockstore-fs'
import { NextToLast } from 'blockstore-fs/sharding'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import { concat } from 'uint8arrays/concat'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CafeClient, HttpTransport, MemorySessionStore } from '../../src/client/index.ts'
import { walkDag } from '../../src/core/pinning/dag.ts'

const SECRET = 'crash-test-owner-secret-0123456789'
const MiB = 1024 * 1024

function randomBytes (length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536))
  return bytes
}

/** A UnixFS CAR of the files (wrapped in a directory when several), with leaves of `chunkSize` bytes. */
async function pack (files: Array<{ path: string, content: Uint8Array }>, chunkSize: number): Promise<{ root: CID, car: Uint8Array }> {
  const blocks = new Map<string, { cid: CID, bytes: Uint8Array }>()
  const store = { put: async (cid: CID, bytes: Uint8Array) => { blocks.set(cid.toString(), { cid, bytes }); return cid } }
  let root: CID | undefined
  for await (const entry of importer(files, store, { wrapWithDirectory: files.length > 1, cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize }) })) root = entry.cid
  const { writer, out } = CarWriter.create([root as CID])
  const parts: Uint8Array[] = []
  const collected = (async () => { for await (const part of out) parts.push(part) })()
  for (const block of blocks.values()) await writer.put(block)
  await writer.close()
  await collected
  return { root: root as CID, car: concat(parts) }
}

/** the blockstore-fs file names of a CAR's blocks */
async function fileNames (car: Uint8Array): Promise<Set<string>> {
  const sharding = new NextToLast()
  const names = new Set<string>()
  for await (const { cid } of await CarBlockIterator.fromBytes(car)) names.add(sharding.encode(cid).file)
  return names
}

async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  return port
}

interface Running { child: ChildProcess, url: string }

async function startCafe (dataDir: string, port: number): Promise<Running> {
  const child = spawn(process.execPath, [
    '--import', 'tsx', 'scripts/cafe.ts',
    '--data-dir', dataDir, '--http-port', String(port), '--listen', '/ip4/127.0.0.1/tcp/0', '--json'
  ], { cwd: process.cwd(), env: { ...process.env, CAFE_OWNER_SECRET: SECRET, DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const lines = createInterface({ input: child.stdout! })
  const exited = once(child, 'exit').then(([code]) => { throw new Error(`the cafe exited (${String(code)}) before it started: ${stderr}`) })
  const started = (async () => {
    for await (const line of lines) {
      if (line.startsWith('{')) return JSON.parse(line).url as string
    }
    throw new Error(`no JSON line from the cafe: ${stderr}`)
  })()
  const url = await Promise.race([started, exited])
  exited.catch(() => {})
  return { child, url }
}

async function kill (running: Running): Promise<void> {
  if (running.child.exitCode != null || running.child.signalCode != null) return
  const exited = once(running.child, 'exit')
  running.child.kill('SIGKILL')
  await exited
}

interface UploadResult { status?: number, body?: string, error?: string }

/**
 * Streams the CAR (chunked, no Content-Length, honouring back-pressure). `at` is called
 * once `killAt` bytes are written (the rest is not sent), or after the whole body when
 * `killAt` is the CAR's length.
 */
async function upload (url: string, accessToken: string, car: Uint8Array, killAt?: number, at?: () => Promise<void>): Promise<UploadResult> {
  const req = request(`${url}/api/v0/pinning/car?name=crash`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.ipld.car', authorization: `Bearer ${accessToken}` }
  })
  const answered = new Promise<UploadResult>(resolve => {
    req.on('response', res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => { resolve({ status: res.statusCode, body }) })
      res.on('error', err => { resolve({ status: res.statusCode, error: err.message }) })
    })
    req.on('error', err => { resolve({ error: err.message }) })
  })
  const limit = killAt ?? car.byteLength
  let sent = 0
  try {
    while (sent < limit) {
      const chunk = car.subarray(sent, Math.min(sent + 64 * 1024, limit))
      sent += chunk.byteLength
      if (!req.write(chunk)) await Promise.race([once(req, 'drain'), answered])
    }
    if (killAt == null || killAt >= car.byteLength) req.end()
  } catch { /* the connection went away */ }
  if (at != null) await at()
  return answered
}

/** Every file name under blocks/ (shard directories). */
async function blockNames (dataDir: string): Promise<Set<string>> {
  const names = new Set<string>()
  const root = join(dataDir, 'blocks')
  for (const shard of await readdir(root)) for (const name of await readdir(join(root, shard))) names.add(name)
  return names
}

/** Every file under blocks/ (shard directories), with its size. */
async function blockFiles (dataDir: string): Promise<Map<string, number>> {
  const files = new Map<string, number>()
  const root = join(dataDir, 'blocks')
  for (const shard of await readdir(root)) {
    for (const name of await readdir(join(root, shard))) {
      // a file renamed or deleted meanwhile (the cafe is running)
      const size = await stat(join(root, shard, name)).then(s => s.size, () => undefined)
      if (size != null) files.set(name, size)
    }
  }
  return files
}

interface Books { pins: Array<{ cid: string, size: number }>, usage: Record<string, number> }

async function books (url: string, accessToken: string): Promise<Books> {
  const headers = { authorization: `Bearer ${accessToken}` }
  const listed = await (await fetch(`${url}/api/v0/pinning/pins?status=pinned,queued,pinning,failed&limit=1000`, { headers })).json()
  const account = await (await fetch(`${url}/api/v0/account`, { headers })).json()
  return {
    pins: listed.results.map((r: { pin: { cid: string }, status: string, info: { dag_size?: string } }) => {
      expect(r.status).toBe('pinned')
      return { cid: r.pin.cid, size: Number(r.info.dag_size) }
    }),
    usage: account.usage
  }
}

/** The blocks on disk are exactly those of the pinned DAGs, no temporary file is left, and usage counts the pins. */
async function assertConsistent (dataDir: string, url: string, accessToken: string): Promise<{ pins: number, blocks: number, bytes: number }> {
  const files = await blockFiles(dataDir)
  expect([...files.keys()].filter(name => name.endsWith('.tmp'))).toEqual([])
  const { pins, usage } = await books(url, accessToken)
  const store = new FsBlockstore(join(dataDir, 'blocks'))
  const sharding = new NextToLast()
  const needed = new Set<string>()
  for (const pin of pins) {
    for await (const { cid } of walkDag(store, CID.parse(pin.cid))) needed.add(sharding.encode(cid).file)
  }
  expect([...files.keys()].sort()).toEqual([...needed].sort())
  expect(usage).toMatchObject({ pins: pins.length, pinBytes: pins.reduce((sum, pin) => sum + pin.size, 0) })
  return { pins: pins.length, blocks: files.size, bytes: [...files.values()].reduce((a, b) => a + b, 0) }
}

describe('a headless cafe killed with SIGKILL during uploads', () => {
  let dataDir: string
  let port: number
  let running: Running | undefined

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cafe-crash-'))
    port = await freePort()
  })

  afterAll(async () => {
    if (running != null) await kill(running)
    await rm(dataDir, { recursive: true, force: true })
  })

  it('leaves no orphaned block or temporary file and loses no committed pin, at every kill point; a later upload reads back byte-equal', { timeout: 110_000 }, async () => {
    running = await startCafe(dataDir, port)
    const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: new HttpTransport(running.url), store: new MemorySessionStore() })
    const token = await (await fetch(`${running.url}/api/v0/tokens`, {
      method: 'POST', headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' }, body: '{"uses":1}'
    })).json()
    await client.register(token.token)
    const accessToken = (await client.session())!.accessToken

    // a committed pin whose blocks every later upload repeats
    const shared = randomBytes(6 * MiB)
    const base = await pack([{ path: 'shared.bin', content: shared }], 256 * 1024)
    expect((await upload(running.url, accessToken, base.car)).status).toBe(200)
    const committed = await assertConsistent(dataDir, running.url, accessToken)
    expect(committed.pins).toBe(1)

    // big leaves (the new file first, then the shared one), and many small blocks (a long pin write)
    const big = await pack([{ path: 'new.bin', content: randomBytes(16 * MiB) }, { path: 'shared.bin', content: shared }], 256 * 1024)
    const small = await pack([{ path: 'small.bin', content: randomBytes(6 * MiB) }, { path: 'shared.bin', content: shared }], 4096)
    /** once every new block of the upload is on disk, the cafe is pinning it: kill then */
    const pinWrite = (car: Uint8Array) => async () => {
      const names = await fileNames(car)
      const started = performance.now()
      while (performance.now() - started < 20_000) {
        const files = await blockNames(dataDir)
        if ([...names].every(name => files.has(name))) return
        await new Promise(resolve => setTimeout(resolve, 10))
      }
      throw new Error('the upload never had all its blocks on disk')
    }
    const kills: Array<{ name: string, car: Uint8Array, at: number, wait?: () => Promise<void> }> = [
      { name: '50% sent', car: big.car, at: 0.5 },
      { name: '90% sent', car: big.car, at: 0.9 },
      { name: 'all sent', car: big.car, at: 1 },
      { name: 'pin write', car: small.car, at: 1, wait: pinWrite(small.car) }
    ]
    const outcomes: string[] = []
    for (const { name, car, at, wait } of kills) {
      const current = running
      const t0 = performance.now()
      const result = await upload(current.url, accessToken, car, Math.floor(car.byteLength * at), async () => {
        await wait?.()
        await kill(current)
      })
      const t1 = performance.now()
      running = await startCafe(dataDir, port)
      const t2 = performance.now()
      const after = await assertConsistent(dataDir, running.url, accessToken)
      outcomes.push(`killed at ${name} (upload ${Math.round(t1 - t0)} ms, restart ${Math.round(t2 - t1)} ms, check ${Math.round(performance.now() - t2)} ms): ${result.status ?? result.error ?? '?'}; after the restart ${after.pins} pins, ${after.blocks} blocks, ${after.bytes} bytes`)
      // what was answered 200 before the kill is still pinned
      if (result.status === 200) expect(after.pins).toBeGreaterThan(committed.pins)
    }
    console.log(outcomes.join('\n'))

    // a later upload completes and reads back through the gateway byte for byte
    const later = randomBytes(8 * MiB)
    const last = await pack([{ path: 'later.bin', content: later }], 256 * 1024)
    const answered = await upload(running.url, accessToken, last.car)
    expect(answered.status).toBe(200)
    const read = new Uint8Array(await (await fetch(`${running.url}/ipfs/${last.root}`)).arrayBuffer())
    expect(read.byteLength).toBe(later.byteLength)
    expect(Buffer.compare(read, later)).toBe(0)
    await assertConsistent(dataDir, running.url, accessToken)
  })
})
