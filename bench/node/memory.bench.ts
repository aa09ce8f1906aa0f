/**
 * Memory of the headless cafe (`npm run cafe`, a child process) through a large CAR upload
 * over HTTP and a gateway read of the same file: the peak resident set (VmHWM in /proc) of
 * the cafe's node process after start-up, after the upload and after the read. The file is
 * BENCH_MEMORY_MIB (default 1023 MiB: its CAR stays under the 1 GiB body limit), made and
 * streamed piecewise here so this process never holds it whole either.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CarWriter } from '@ipld/car'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CafeClient } from '../../src/client/cafe-client.ts'
import { HttpTransport } from '../../src/client/http-transport.ts'
import { report } from './measure.ts'
import type { CID } from 'multiformats/cid'

const MIB = Number(process.env.BENCH_MEMORY_MIB ?? (process.env.BENCH_QUICK === '1' ? 256 : 1023))
const CHUNK = 1024 * 1024
const SECRET = 'bench-owner-secret-0123456789'

/** The file, a MiB at a time; each MiB differs so no block repeats. */
async function * content (): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < MIB; i++) {
    const chunk = new Uint8Array(CHUNK).fill(i % 251)
    new DataView(chunk.buffer).setUint32(0, i)
    yield chunk
  }
}

const importOptions = { cidVersion: 1 as const, rawLeaves: true, chunker: fixedSize({ chunkSize: CHUNK }) }

async function rootOf (): Promise<CID> {
  let root: CID | undefined
  for await (const entry of importer([{ content: content() }], { put: async (cid: CID) => cid }, importOptions)) root = entry.cid
  if (root == null) throw new Error('nothing imported')
  return root
}

/** The CAR as a stream: the importer's blocks go out as it makes them. */
function carStream (root: CID): AsyncIterable<Uint8Array> {
  const { writer, out } = CarWriter.create([root])
  void (async () => {
    const blocks = { put: async (cid: CID, bytes: Uint8Array) => { await writer.put({ cid, bytes }); return cid } }
    for await (const entry of importer([{ content: content() }], blocks, importOptions)) void entry
    await writer.close()
  })()
  return out
}

/** Peak and current resident set of the largest process under `pid` (npm → tsx → node). */
async function residentOf (pid: number): Promise<{ peakMiB: number, nowMiB: number }> {
  const children = new Map<number, number[]>()
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)])
    } catch { /* gone */ }
  }
  let best = { peakMiB: 0, nowMiB: 0 }
  const visit = async (p: number): Promise<void> => {
    try {
      const status = await readFile(`/proc/${p}/status`, 'utf8')
      const kib = (field: string): number => Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))?.[1] ?? 0)
      if (kib('VmHWM') / 1024 > best.peakMiB) best = { peakMiB: kib('VmHWM') / 1024, nowMiB: kib('VmRSS') / 1024 }
    } catch { /* gone */ }
    for (const child of children.get(p) ?? []) await visit(child)
  }
  await visit(pid)
  return best
}

const dataDir = await mkdtemp(join(tmpdir(), 'cafe-memory-bench-'))
const child = spawn('npm', ['run', '--silent', 'cafe', '--', '--data-dir', dataDir, '--http-port', '0', '--listen', '/ip4/127.0.0.1/tcp/0', '--json'], {
  stdio: ['ignore', 'pipe', 'inherit'], detached: true, env: { ...process.env, CAFE_OWNER_SECRET: SECRET }
})
try {
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', data => {
      out += String(data)
      const line = out.split('\n').find(line => line.startsWith('{'))
      if (line != null) resolve(JSON.parse(line).url)
    })
    child.once('exit', code => { reject(new Error(`npm run cafe exited with ${code}`)) })
  })
  const owner = async (method: string, path: string, body: unknown): Promise<any> => {
    const response = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
    return response.json()
  }
  await owner('PUT', '/api/v0/quota', { storageBytes: 4 * 1024 ** 3, inboxMessages: 1000, inboxBytes: 1024 ** 2 })
  const { token } = await owner('POST', '/api/v0/tokens', { label: 'memory bench', uses: 1 })
  const session = await new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: new HttpTransport(url) }).register(token)
  const started = await residentOf(child.pid as number)

  const root = await rootOf()
  let ms = performance.now()
  const upload = await fetch(`${url}/api/v0/pinning/car?name=memory`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.ipld.car', authorization: `Bearer ${session.accessToken}` },
    body: carStream(root) as unknown as BodyInit,
    duplex: 'half'
  } as RequestInit)
  if (!upload.ok) throw new Error(`the upload answered ${upload.status} ${await upload.text()}`)
  await upload.arrayBuffer()
  const uploadMs = performance.now() - ms
  const uploaded = await residentOf(child.pid as number)

  ms = performance.now()
  const read = await fetch(`${url}/ipfs/${root}`)
  let length = 0
  for await (const chunk of read.body as unknown as AsyncIterable<Uint8Array>) length += chunk.byteLength
  if (length !== MIB * CHUNK) throw new Error(`read ${length} bytes of ${MIB * CHUNK}`)
  const readMs = performance.now() - ms
  const afterRead = await residentOf(child.pid as number)

  report({
    memory: {
      fileMiB: MIB,
      headlessStartedPeakRssMiB: started.peakMiB,
      headlessUploadPeakRssMiB: uploaded.peakMiB,
      headlessUploadMBps: MIB * CHUNK / 1e6 / (uploadMs / 1000),
      headlessReadPeakRssMiB: afterRead.peakMiB,
      headlessReadMBps: MIB * CHUNK / 1e6 / (readMs / 1000),
      headlessRssAfterMiB: afterRead.nowMiB
    }
  })
} finally {
  const exited = new Promise(resolve => child.once('exit', resolve))
  process.kill(-(child.pid as number), 'SIGTERM')
  await exited
  await rm(dataDir, { recursive: true, force: true })
}
