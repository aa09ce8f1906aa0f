/**
 * Issue 11 item 2 over real HTTP: clients of the headless cafe's gateway that go away
 * at random points of every kind of response (HEAD of a CAR included) leave no
 * unhandled rejection behind, and the cafe answers the next request.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encryptBytes, formatFileKey } from '../../../src/core/crypto/index.ts'
import { createHeadlessCafe, type HeadlessCafe } from '../../../src/headless/headless.ts'
import { patternBytes } from './fixtures.ts'
import type { CID } from 'multiformats/cid'

const ROUNDS = 8

describe('headless cafe gateway: clients that drop at any byte', () => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }
  let dataDir: string
  let cafe: HeadlessCafe
  const big = patternBytes(600 * 1024, 5)
  const paths: Array<{ name: string, path: string, method?: string, headers?: Record<string, string> }> = []

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled)
    dataDir = await mkdtemp(join(tmpdir(), 'cafe-gateway-drop-'))
    cafe = await createHeadlessCafe({ dataDir, http: { port: 0 }, listen: ['/ip4/127.0.0.1/tcp/0'], networkTimeoutMs: 300 })
    let root: CID | undefined
    const sealed = await encryptBytes(big, { segmentSize: 4096 })
    for await (const entry of importer([
      { path: 'd/big.bin', content: big },
      { path: 'd/secret.bin', content: sealed.ciphertext }
    ], cafe.blockstore, { wrapWithDirectory: true, chunker: fixedSize({ chunkSize: 16 * 1024 }) })) root = entry.cid
    const key = formatFileKey(sealed.key)
    paths.push(
      { name: 'file', path: `/ipfs/${root}/d/big.bin` },
      { name: 'range', path: `/ipfs/${root}/d/big.bin`, headers: { Range: 'bytes=1000-500000' } },
      { name: 'multi-range', path: `/ipfs/${root}/d/big.bin`, headers: { Range: 'bytes=0-10,100000-400000' } },
      { name: 'listing', path: `/ipfs/${root}/d/` },
      { name: 'raw', path: `/ipfs/${root}/d/big.bin?format=raw` },
      { name: 'CAR', path: `/ipfs/${root}?format=car` },
      { name: 'CAR HEAD', path: `/ipfs/${root}/d/big.bin?format=car`, method: 'HEAD' },
      { name: 'CAR HEAD by Accept', path: `/ipfs/${root}/d/big.bin`, method: 'HEAD', headers: { Accept: 'application/vnd.ipld.car' } },
      { name: 'decrypt', path: `/ipfs/${root}/d/secret.bin?key=${key}` },
      { name: 'decrypt range', path: `/ipfs/${root}/d/secret.bin?key=${key}`, headers: { Range: 'bytes=50000-' } }
    )
  }, 60_000)

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled)
    await cafe?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  /** Reads `keep` bytes of the response (all of it for a HEAD), then destroys the socket. */
  async function dropAfter (path: string, keep: number, method = 'GET', headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      let received = 0
      const req = httpRequest(`${cafe.url}${path}`, { method, headers }, res => {
        if (method === 'HEAD') {
          res.resume()
          res.on('end', () => { req.destroy(); resolve(res.statusCode ?? 0) })
          return
        }
        res.on('data', (chunk: Buffer) => {
          received += chunk.byteLength
          if (received >= keep) {
            req.destroy()
            resolve(res.statusCode ?? 0)
          }
        })
        res.on('end', () => { resolve(res.statusCode ?? 0) })
      })
      req.on('error', err => { if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err) })
      req.end()
    })
  }

  it('every kind of response, dropped at random offsets, leaves the cafe serving and nothing unhandled', async () => {
    let x = 7
    const next = (n: number): number => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x % n }
    let drops = 0
    for (const kind of paths) {
      for (let i = 0; i < ROUNDS; i++) {
        const status = await dropAfter(kind.path, 1 + next(300_000), kind.method, kind.headers)
        expect(status, kind.name).toBeLessThan(300)
        drops++
      }
      const ok = await fetch(`${cafe.url}${paths[0].path}`)
      expect(ok.status).toBe(200)
      expect(new Uint8Array(await ok.arrayBuffer())).toEqual(big)
    }
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(drops).toBe(paths.length * ROUNDS)
    expect(unhandled.map(String)).toEqual([])
  })
})
