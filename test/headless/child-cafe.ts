/**
 * The headless cafe as a child process, as `npm run cafe` runs it (node + tsx)
 * on a temp data dir and free ports, plus raw-socket helpers to talk to it the way a
 * careless or hostile client does. Shared by the tests that must see the process survive.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { CafeBackup, CafeClient, HttpTransport, MemorySessionStore } from '../../src/client/index.ts'

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..')

export interface ChildCafeInit {
  /** extra environment (DEBUG=cafe:* …) */
  env?: Record<string, string>
  /** extra flags after the defaults */
  args?: string[]
  /** default: a new temp dir, removed by stop() */
  dataDir?: string
  /** how long to wait for the `http:` line; default 30 s */
  startTimeoutMs?: number
}

export interface ChildCafe {
  readonly process: ChildProcess
  readonly pid: number
  readonly url: string
  readonly port: number
  readonly ownerSecret: string
  readonly dataDir: string
  /** everything the child wrote so far */
  stdout(): string
  stderr(): string
  /** null while it runs */
  exitCode(): number | string | null
  /** VmRSS of the child in bytes, from /proc/<pid>/status */
  rss(): Promise<number>
  /** true when the process runs and answers GET /api/v0/cafe with 200 */
  answers(): Promise<boolean>
  stop(): Promise<void>
}

/** Spawns `node --import tsx scripts/cafe.ts` on free ports and waits for its URL. */
export async function startChildCafe (init: ChildCafeInit = {}): Promise<ChildCafe> {
  const ownDir = init.dataDir == null
  const dataDir = init.dataDir ?? await mkdtemp(join(tmpdir(), 'cafe-child-'))
  const ownerSecret = randomBytes(24).toString('base64url')
  const child = spawn(process.execPath, [
    '--import', 'tsx', 'scripts/cafe.ts',
    '--data-dir', dataDir, '--http-port', '0',
    '--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/0/ws',
    ...(init.args ?? [])
  ], {
    cwd: ROOT,
    env: { ...process.env, DEBUG: '', ...init.env, CAFE_OWNER_SECRET: ownerSecret },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  let exit: number | string | null = null
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { err += chunk })
  const exited = new Promise<void>(resolve => {
    child.once('exit', (code, signal) => { exit = code ?? signal ?? 'unknown'; resolve() })
  })

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`the child cafe did not start in time:\n${out}\n${err}`)) }, init.startTimeoutMs ?? 30_000)
    const check = (): void => {
      const found = /^http: (http:\/\/\S+)$/m.exec(out)
      if (found != null) { clearTimeout(timer); child.stdout.off('data', check); resolve(found[1]) }
    }
    child.stdout.on('data', check)
    void exited.then(() => { clearTimeout(timer); reject(new Error(`the child cafe exited (${String(exit)}):\n${out}\n${err}`)) })
  })

  return {
    process: child,
    pid: child.pid ?? 0,
    url,
    port: Number(new URL(url).port),
    ownerSecret,
    dataDir,
    stdout: () => out,
    stderr: () => err,
    exitCode: () => exit,
    async rss () {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8')
      const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)
      if (kb == null) throw new Error('no VmRSS')
      return Number(kb[1]) * 1024
    },
    async answers () {
      if (exit != null) return false
      try {
        const response = await fetch(`${url}/api/v0/cafe`, { signal: AbortSignal.timeout(5_000) })
        await response.arrayBuffer()
        return response.status === 200
      } catch {
        return false
      }
    },
    async stop () {
      if (exit == null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => { child.kill('SIGKILL') }, 5_000)
        await exited
        clearTimeout(timer)
      }
      if (ownDir) await rm(dataDir, { recursive: true, force: true })
    }
  }
}

export interface ChildDevice {
  client: CafeClient
  backup: CafeBackup
  /** the access JWT for raw requests */
  accessToken(): Promise<string>
}

/** A client registered with an owner-issued token, over HTTP. */
export async function registerDevice (cafe: Pick<ChildCafe, 'url' | 'ownerSecret'>): Promise<ChildDevice> {
  const created = await fetch(`${cafe.url}/api/v0/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cafe.ownerSecret}`, 'content-type': 'application/json' },
    body: '{"uses":1}'
  })
  if (created.status !== 201) throw new Error(`token: ${created.status} ${await created.text()}`)
  const { token } = await created.json() as { token: string }
  const key = await generateKeyPair('Ed25519')
  const store = new MemorySessionStore()
  const client = new CafeClient({ privateKey: key, transport: new HttpTransport(cafe.url), store })
  await client.register(token)
  return {
    client,
    backup: new CafeBackup(client, key),
    async accessToken () {
      await client.whoami()
      const session = await client.session()
      if (session == null) throw new Error('no access token')
      return session.accessToken
    }
  }
}

export interface RawResponse {
  /** the status line's code, or 0 when no status line came */
  status: number
  /** header names lower-cased */
  headers: Record<string, string>
  /** everything after the head, as received */
  body: Buffer
  /** the raw bytes */
  raw: Buffer
  /** how the socket ended: 'end' (server closed), 'error' (reset), 'timeout' */
  ended: 'end' | 'error' | 'timeout'
}

/** A chunked body decoded; `complete` once the last chunk came. */
export function dechunk (body: Buffer): { body: Buffer, complete: boolean } {
  const parts: Buffer[] = []
  let offset = 0
  for (;;) {
    const end = body.indexOf('\r\n', offset)
    if (end < 0) break
    const size = parseInt(body.subarray(offset, end).toString('latin1').split(';')[0], 16)
    if (Number.isNaN(size)) break
    if (size === 0) return { body: Buffer.concat(parts), complete: true }
    if (body.byteLength < end + 2 + size + 2) break
    parts.push(body.subarray(end + 2, end + 2 + size))
    offset = end + 2 + size + 2
  }
  return { body: Buffer.concat(parts), complete: false }
}

/** Status, headers and body (de-chunked) of what came so far; `complete` once the whole body is there. */
export function parseHead (raw: Buffer, { head: isHead = false }: { head?: boolean } = {}): Omit<RawResponse, 'raw' | 'ended'> & { complete: boolean } {
  // interim answers (100 Continue) come before the real one
  while (/^HTTP\/1\.[01] 1\d\d /.test(raw.subarray(0, 16).toString('latin1')) && raw.includes('\r\n\r\n')) raw = raw.subarray(raw.indexOf('\r\n\r\n') + 4)
  const split = raw.indexOf('\r\n\r\n')
  const head = (split < 0 ? raw : raw.subarray(0, split)).toString('latin1')
  const [line, ...fields] = head.split('\r\n')
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(line)
  const headers: Record<string, string> = {}
  for (const field of fields) {
    const colon = field.indexOf(':')
    if (colon > 0) headers[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim()
  }
  const rest = split < 0 ? Buffer.alloc(0) : raw.subarray(split + 4)
  const code = status == null ? 0 : Number(status[1])
  if (split >= 0 && (isHead || code === 204 || code === 304)) return { status: code, headers, body: rest, complete: true }
  if (split >= 0 && /chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const { body, complete } = dechunk(rest)
    return { status: status == null ? 0 : Number(status[1]), headers, body, complete }
  }
  const declared = headers['content-length']
  const complete = split >= 0 && declared != null && rest.byteLength >= Number(declared)
  return { status: status == null ? 0 : Number(status[1]), headers, body: rest, complete }
}

export interface RawRequestOptions {
  /** source address: any 127.x.y.z, so rate limits (per IP) spread over many "clients" */
  localAddress?: string
  /** give up after this long; default 10 s */
  timeoutMs?: number
  /** resolve as soon as this many response bytes came (the socket is then destroyed) */
  dropAfter?: number
  /** end the writing side after sending; default false (keep-alive like a real client) */
  halfClose?: boolean
  /** stop reading once a whole response (Content-Length or chunked) came; default true */
  untilComplete?: boolean
}

/** Sends `request` (bytes or chunks written in order) on a fresh socket and collects the answer. */
export async function rawRequest (port: number, request: string | Buffer | Array<string | Buffer>, options: RawRequestOptions = {}): Promise<RawResponse> {
  return new Promise(resolve => {
    const chunks: Buffer[] = []
    let length = 0
    let settled = false
    const isHead = String(Array.isArray(request) ? request[0] : request).startsWith('HEAD ')
    const socket: Socket = connect({ port, host: '127.0.0.1', localAddress: options.localAddress })
    const finish = (ended: RawResponse['ended']): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      const raw = Buffer.concat(chunks, length)
      const { complete: _, ...parsed } = parseHead(raw, { head: isHead })
      resolve({ ...parsed, raw, ended })
    }
    const timer = setTimeout(() => { finish('timeout') }, options.timeoutMs ?? 10_000)
    socket.on('connect', () => {
      for (const part of Array.isArray(request) ? request : [request]) socket.write(part)
      if (options.halfClose === true) socket.end()
    })
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      length += chunk.byteLength
      if (options.dropAfter != null && length >= options.dropAfter) { finish('end'); return }
      if (options.untilComplete !== false) {
        if (parseHead(Buffer.concat(chunks, length), { head: isHead }).complete) finish('end')
      }
    })
    socket.on('end', () => { finish('end') })
    socket.on('error', () => { finish('error') })
    socket.on('close', () => { finish('end') })
  })
}

/** A random 127.x.y.z source address, so per-IP rate limits do not mask what is tested. */
export function randomLoopback (random: () => number = Math.random): string {
  return `127.${1 + Math.floor(random() * 250)}.${Math.floor(random() * 250)}.${1 + Math.floor(random() * 250)}`
}

/** A small seeded PRNG (mulberry32), so a failing fuzz run can be replayed with its seed. */
export function seeded (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
