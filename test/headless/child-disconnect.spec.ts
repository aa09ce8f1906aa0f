/**
 * Clients that go away mid-download, against the headless cafe as a child process: for each
 * kind of response, raw sockets send the request and drop (FIN or RST) at a random offset of
 * the answer. After each batch the process still answers, and it has not leaked file handles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readdir } from 'node:fs/promises'
import { connect } from 'node:net'
import { packCar } from '../../src/client/index.ts'
import { encryptBytes, formatFileKey } from '../../src/core/crypto/index.ts'
import { randomLoopback, seeded, startChildCafe, registerDevice, type ChildCafe } from './child-cafe.ts'

const SEED = Number(process.env.DISCONNECT_SEED ?? Date.now() % 100_000)
const DROPS_PER_KIND = 40
const CONCURRENCY = 8
const pattern = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) % 251)

interface Kind {
  name: string
  request: string
  /** how far into the answer a drop may fall */
  span: number
}

/** Sends `request`, reads until `dropAt` bytes came (0: not at all), then closes (FIN) or resets (RST). */
async function dropAt (port: number, request: string, dropAt: number, reset: boolean, localAddress: string): Promise<number> {
  return new Promise(resolve => {
    let received = 0
    let done = false
    const socket = connect({ port, host: '127.0.0.1', localAddress })
    const finish = (): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      if (reset) socket.resetAndDestroy()
      else socket.destroy()
      resolve(received)
    }
    const timer = setTimeout(finish, 5_000)
    socket.on('connect', () => {
      socket.write(request)
      if (dropAt === 0) setImmediate(finish)
    })
    socket.on('data', (chunk: Buffer) => { received += chunk.byteLength; if (received >= dropAt) finish() })
    socket.on('error', finish)
    socket.on('close', finish)
  })
}

/** The whole answer's length in bytes (head included), read to the end on a closing connection. */
async function answerLength (port: number, request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let received = 0
    const socket = connect({ port, host: '127.0.0.1' }, () => { socket.write(request.replace('\r\n\r\n', '\r\nconnection: close\r\n\r\n')) })
    socket.on('data', (chunk: Buffer) => { received += chunk.byteLength })
    socket.on('end', () => { resolve(received) })
    socket.on('error', reject)
  })
}

async function openFiles (pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length
}

describe('a client that drops a download at any byte never stops the headless cafe', () => {
  let cafe: ChildCafe
  let kinds: Kind[]

  beforeAll(async () => {
    cafe = await startChildCafe()
    const device = await registerDevice(cafe)
    const big = pattern(6 * 1024 * 1024, 5)
    const { root, car } = await packCar([
      { path: 'album/big.bin', content: big },
      { path: 'album/readme.txt', content: new TextEncoder().encode('hello\n') }
    ])
    await device.backup.uploadCar(car, { name: 'album' })
    const plaintext = pattern(3 * 1024 * 1024, 9)
    const { key, ciphertext } = await encryptBytes(plaintext)
    const secret = await packCar([{ path: 'secret.bin', content: ciphertext }], { wrap: false })
    await device.backup.uploadCar(secret.car, { name: 'secret' })
    const token = await device.accessToken()
    const file = `/ipfs/${root}/album/big.bin`
    const get = (path: string, headers = ''): string => `GET ${path} HTTP/1.1\r\nhost: cafe\r\n${headers}\r\n`
    kinds = [
      { name: 'file', request: get(file), span: 4_000_000 },
      { name: 'range', request: get(file, 'range: bytes=1000-5000000\r\n'), span: 3_000_000 },
      { name: 'directory', request: get(`/ipfs/${root}/album/`), span: 2_000 },
      { name: 'raw block', request: get(`${file}?format=raw`), span: 2_000 },
      { name: 'CAR', request: get(`${file}?format=car`), span: 4_000_000 },
      { name: 'HEAD CAR', request: `HEAD ${file}?format=car HTTP/1.1\r\nhost: cafe\r\n\r\n`, span: 400 },
      { name: '?key= decrypt', request: get(`/ipfs/${secret.root}?key=${formatFileKey(key)}`, 'range: bytes=100-2500000\r\n'), span: 2_000_000 },
      { name: 'API JSON', request: get('/api/v0/pins?status=pinned,queued,pinning,failed&limit=1000', `authorization: Bearer ${token}\r\n`), span: 2_000 },
      { name: 'pinning list', request: get('/api/v0/pinning/pins?limit=1000', `authorization: Bearer ${token}\r\n`), span: 2_000 }
    ]
  }, 60_000)

  afterAll(async () => { await cafe?.stop() })

  it(`drops ${DROPS_PER_KIND} clients per response kind at random offsets (seed ${SEED}); the cafe answers after each batch and releases what they held`, async () => {
    const random = seeded(SEED)
    const started = Date.now()
    await cafe.answers()
    const filesBefore = await openFiles(cafe.pid)
    let drops = 0
    for (const kind of kinds) {
      // drops fall inside the answer (a client that read it all is not dropping anything)
      const span = Math.min(kind.span, await answerLength(cafe.port, kind.request) - 1)
      expect(span).toBeGreaterThan(100)
      const jobs = Array.from({ length: DROPS_PER_KIND }, (_, i) => ({
        at: i % 10 === 0 ? 0 : 1 + Math.floor(random() * span),
        reset: random() < 0.5,
        from: randomLoopback(random)
      }))
      for (let i = 0; i < jobs.length; i += CONCURRENCY) {
        await Promise.all(jobs.slice(i, i + CONCURRENCY).map(async job => dropAt(cafe.port, kind.request, job.at, job.reset, job.from)))
      }
      drops += jobs.length
      expect(await cafe.answers(), `after dropping ${kind.name} downloads: ${cafe.stderr().slice(-2000)}`).toBe(true)
      expect(cafe.exitCode()).toBeNull()
    }
    // every drop's file handles and streams are released (a little slack for libp2p and LevelDB)
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(await openFiles(cafe.pid)).toBeLessThanOrEqual(filesBefore + 8)
    expect(cafe.stderr()).not.toMatch(/client disconnected|Unhandled|uncaught|Closing file descriptor/i)
    expect(drops).toBe(kinds.length * DROPS_PER_KIND)
    expect(Date.now() - started).toBeLessThan(50_000)
  }, 60_000)
})
