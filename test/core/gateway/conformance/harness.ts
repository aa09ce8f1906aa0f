/**
 * The gateway-conformance suite's cases (ipfs/gateway-conformance, tests/*.go), carried
 * over as vitest cases that run twice: against the gateway core (a non-recursive
 * gateway over a MemoryBlockstore) and over real HTTP against the headless cafe (its
 * blockstore loaded from the same fixture CARs). Fixture helpers mirror the Go
 * tooling's (`MustGetCid`, `MustGetRawData`, `MustGetDescendantsCids`, ...) but are
 * written here from the data structures, independent of the code under test.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CarBlockIterator, CarReader } from '@ipld/car'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { defaultLogger } from '@libp2p/logger'
import { MemoryBlockstore } from 'blockstore-core'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { equals } from 'uint8arrays/equals'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGateway } from '../../../../src/core/gateway/index.ts'
import { createHeadlessCafe } from '../../../../src/headless/headless.ts'

export const FIXTURES = join(import.meta.dirname, '../../../fixtures/gateway-conformance')

/** One fixture CAR, with the Go tooling's accessors. */
export class Fixture {
  readonly root: CID
  readonly blocks: Map<string, Uint8Array>

  constructor (root: CID, blocks: Map<string, Uint8Array>) {
    this.root = root
    this.blocks = blocks
  }

  block (cid: CID): Uint8Array {
    const bytes = this.blocks.get(key(cid))
    if (bytes == null) throw new Error(`fixture has no block ${cid}`)
    return bytes
  }

  /** MustGetCid(names...): the CID at a UnixFS (or IPLD link) path, as stored. */
  cid (...names: string[]): CID {
    let cid = this.root
    for (let i = 0; i < names.length; i++) {
      if (cid.code === dagPb.code) {
        cid = this.child(cid, names[i])
        continue
      }
      // an IPLD link path inside dag-cbor / dag-json
      let value: unknown = cid.code === dagCbor.code ? dagCbor.decode(this.block(cid)) : dagJson.decode(this.block(cid))
      while (i < names.length && CID.asCID(value) == null) {
        value = (value as Record<string, unknown>)[names[i++]]
        if (value == null) throw new Error(`no field ${names.join('/')}`)
      }
      i--
      cid = CID.asCID(value) as CID
    }
    return cid
  }

  /** MustGetCidWithCodec: the same multihash as a CIDv1 of `code`. */
  cidWithCodec (code: number, ...names: string[]): CID {
    return CID.createV1(code, this.cid(...names).multihash)
  }

  /** MustGetRawData */
  raw (...names: string[]): Uint8Array {
    return this.block(this.cid(...names))
  }

  /** MustGetDescendantsCids: every block below, depth first, duplicates included. */
  descendants (...names: string[]): CID[] {
    const out: CID[] = []
    const visit = (cid: CID): void => {
      for (const link of linksOf(cid, this.block(cid))) {
        out.push(link)
        visit(link)
      }
    }
    visit(this.cid(...names))
    return out
  }

  /** MustGetCidsInHAMT: the shard blocks of a HAMT directory below its root. */
  hamtShards (...names: string[]): CID[] {
    const out: CID[] = []
    const visit = (cid: CID): void => {
      for (const link of shardLinks(this.block(cid))) {
        out.push(link)
        visit(link)
      }
    }
    visit(this.cid(...names))
    return out
  }

  /** MustGetCIDsInHAMTTraversal: the shard blocks below the root on the way to `name`. */
  hamtPathTo (name: string, ...dir: string[]): CID[] {
    const find = (cid: CID): CID[] | undefined => {
      const node = dagPb.decode(this.block(cid))
      const pad = padLength(node)
      for (const link of node.Links) {
        const linkName = link.Name ?? ''
        if (linkName.length > pad && linkName.slice(pad) === name) return []
        if (linkName.length === pad) {
          const below = find(link.Hash)
          if (below != null) return [link.Hash, ...below]
        }
      }
      return undefined
    }
    const path = find(this.cid(...dir))
    if (path == null) throw new Error(`no ${name} in the HAMT`)
    return path
  }

  private child (dir: CID, name: string): CID {
    const node = dagPb.decode(this.block(dir))
    const unixfs = UnixFS.unmarshal(node.Data ?? new Uint8Array(0))
    if (unixfs.type === 'hamt-sharded-directory') {
      const pad = padLength(node)
      for (const link of node.Links) {
        const linkName = link.Name ?? ''
        if (linkName.length > pad && linkName.slice(pad) === name) return link.Hash
        if (linkName.length === pad) {
          try { return this.child(link.Hash, name) } catch {}
        }
      }
      throw new Error(`no ${name} in HAMT ${dir}`)
    }
    const link = node.Links.find(l => l.Name === name)
    if (link == null) throw new Error(`no ${name} in ${dir}`)
    return link.Hash
  }
}

function padLength (node: dagPb.PBNode): number {
  const unixfs = UnixFS.unmarshal(node.Data ?? new Uint8Array(0))
  return (BigInt(unixfs.fanout ?? 256n) - 1n).toString(16).length
}

function shardLinks (bytes: Uint8Array): CID[] {
  const node = dagPb.decode(bytes)
  const pad = padLength(node)
  return node.Links.filter(l => (l.Name ?? '').length === pad).map(l => l.Hash)
}

function linksOf (cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === dagPb.code) return dagPb.decode(bytes).Links.map(l => l.Hash)
  return []
}

/** Blocks compare by multihash: a CAR may hold a CIDv0 where a test names a CIDv1. */
export function key (cid: CID | string): string {
  const c = typeof cid === 'string' ? CID.parse(cid) : cid
  return CID.createV1(c.code, c.multihash).toString()
}

const fixtures = new Map<string, Promise<Fixture>>()

export async function fixture (path: string): Promise<Fixture> {
  let loaded = fixtures.get(path)
  if (loaded == null) {
    loaded = (async () => {
      const reader = await CarReader.fromBytes(await readFile(join(FIXTURES, path)))
      const blocks = new Map<string, Uint8Array>()
      for await (const { cid, bytes } of reader.blocks()) blocks.set(key(cid), new Uint8Array(bytes))
      const [root] = await reader.getRoots()
      return new Fixture(root, blocks)
    })()
    fixtures.set(path, loaded)
  }
  return loaded
}

/** Every fixture CAR the suites use: both targets hold all of them. */
export const FIXTURE_CARS = [
  'gateway-raw-block.car',
  'dir_listing/fixtures.car',
  'gateway-cache/fixtures.car',
  'path_gateway_dag/dag-cbor-traversal.car',
  'path_gateway_dag/dag-json-traversal.car',
  'path_gateway_dag/gateway-json-cbor.car',
  'path_gateway_dag/plain-cbor.car',
  'path_gateway_dag/plain-json.car',
  'path_gateway_unixfs/dir-with-files.car',
  'path_gateway_unixfs/dir-with-percent-encoded-filename.car',
  'path_gateway_unixfs/symlink.car',
  'trustless_gateway_car/dir-with-dag-cbor-with-links.car',
  'trustless_gateway_car/dir-with-duplicate-files.car',
  'trustless_gateway_car/file-3k-and-3-blocks-missing-block.car',
  'trustless_gateway_car/single-layer-hamt-with-multi-block-files.car',
  'trustless_gateway_car/subdir-with-mixed-block-files.car',
  'trustless_gateway_car/subdir-with-two-single-block-files.car'
]

export interface Target {
  fetch(path: string, init?: RequestInit): Promise<Response>
}

async function allBlocks (): Promise<Array<{ cid: CID, bytes: Uint8Array }>> {
  const out: Array<{ cid: CID, bytes: Uint8Array }> = []
  for (const path of FIXTURE_CARS) {
    const reader = await CarReader.fromBytes(await readFile(join(FIXTURES, path)))
    for await (const block of reader.blocks()) out.push(block)
  }
  return out
}

/** The gateway core, offline (non-recursive): what it lacks is not part of its data. */
async function coreTarget (): Promise<{ target: Target, stop(): Promise<void> }> {
  const blockstore = new MemoryBlockstore()
  for (const { cid, bytes } of await allBlocks()) await blockstore.put(cid, bytes)
  const gateway = createGateway({ blockstore, logger: defaultLogger() })
  return {
    target: { fetch: async (path, init) => gateway.fetch(new Request(`http://gateway.test${path}`, init)) },
    stop: async () => {}
  }
}

/** The headless cafe over HTTP on a free port, its blockstore loaded with the fixtures. */
async function httpTarget (): Promise<{ target: Target, stop(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cafe-conformance-'))
  const cafe = await createHeadlessCafe({ dataDir, http: { port: 0 }, listen: ['/ip4/127.0.0.1/tcp/0'], networkTimeoutMs: 500 })
  for (const { cid, bytes } of await allBlocks()) await cafe.blockstore.put(cid, bytes)
  return {
    target: { fetch: async (path, init) => fetch(`${cafe.url}${path}`, init) },
    stop: async () => {
      await cafe.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  }
}

export interface ConformanceCase {
  /** the Go test's name (its `Name:`), so a case can be found in the suite */
  name: string
  run(target: Target): Promise<void>
}

/** Cases carried over, per suite: the closing count in docs/GATEWAY.md comes from these. */
export const CARRIED = new Map<string, number>()

/** Runs every case against the core and over HTTP against the headless cafe. */
export function describeConformance (title: string, cases: ConformanceCase[]): void {
  CARRIED.set(title, cases.length)
  describe(title, () => {
    for (const [label, open] of [['gateway core', coreTarget], ['headless cafe over HTTP', httpTarget]] as const) {
      describe(label, () => {
        let opened: { target: Target, stop(): Promise<void> } | undefined
        beforeAll(async () => { opened = await open() }, 60_000)
        afterAll(async () => { await opened?.stop() })
        for (const c of cases) {
          it(c.name, async () => { await c.run((opened as { target: Target }).target) })
        }
      })
    }
  })
}

/** The CAR checks every CAR response of the suite gets (helpers.StandardCARTestTransforms). */
export function expectStandardCarHeaders (res: Response): void {
  expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff')
  expect(res.headers.get('Accept-Ranges')).toBe('none')
  expect(res.headers.get('Content-Type')).toContain('application/vnd.ipld.car')
  expect(res.headers.get('Content-Disposition')).toMatch(/attachment; filename=".*\.car"/)
  expect(res.headers.get('ETag')).toBeTruthy()
}

/**
 * The blocks of a CAR body, each verified against its CID (sha2-256), as CID strings
 * in their v1 form.
 */
export async function carBlocks (res: Response): Promise<string[]> {
  const bytes = new Uint8Array(await res.arrayBuffer())
  const out: string[] = []
  for await (const { cid, bytes: block } of await CarBlockIterator.fromBytes(bytes)) {
    if (cid.multihash.code === sha256.code) {
      expect(equals((await sha256.digest(block)).digest, cid.multihash.digest), `${cid} verifies`).toBe(true)
    }
    out.push(key(cid))
  }
  return out
}

/** IsCar().HasBlocks(...).Exactly().InThatOrder() */
export async function expectCarExactly (res: Response, expected: Array<CID | string>): Promise<void> {
  expect(await carBlocks(res)).toEqual(expected.map(key))
}

/** The same request as `?format=car` and as `Accept: application/vnd.ipld.car` (checkBothFormatURLParameterAndAcceptHeaderCAR). */
export function carVariants (path: string, query: Record<string, string> = {}): Array<{ path: string, init: RequestInit }> {
  const params = new URLSearchParams(query)
  const withFormat = new URLSearchParams(params)
  withFormat.set('format', 'car')
  const sep = path.includes('?') ? '&' : '?'
  return [
    { path: `${path}${sep}${withFormat.toString()}`, init: {} },
    { path: params.size > 0 ? `${path}${sep}${params.toString()}` : path, init: { headers: { Accept: 'application/vnd.ipld.car' } } }
  ]
}

export async function text (res: Response): Promise<string> {
  return new TextDecoder().decode(await res.arrayBuffer())
}

export async function bytes (res: Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer())
}

/** Two ranges inside `size` bytes, fixed per name so a failure replays (the Go suite draws them at random). */
function rangesFor (name: string, size: number): Array<[number, number]> {
  let x = [...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261)
  const next = (n: number): number => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x % n }
  const a = next(Math.max(1, Math.floor(size / 2)))
  const b = a + next(Math.max(1, Math.floor(size / 2) - a))
  const c = Math.floor(size / 2) + next(Math.max(1, Math.ceil(size / 2) - 1))
  const d = c + next(Math.max(1, size - c))
  return [[a, Math.min(b, size - 1)], [Math.min(c, size - 1), Math.min(d, size - 1)]]
}

/**
 * helpers.OnlyRandomRangeTests: a single-range request (206 with the bytes, or the whole
 * body with 200) and a multi-range one (200 whole, 206 with the first range, or 206
 * multipart/byteranges with every part).
 */
export function rangeCases (name: string, request: () => Promise<{ path: string, init?: RequestInit, data: Uint8Array, contentType: string }>): ConformanceCase[] {
  return [
    {
      name: `${name} (single range)`,
      async run (target) {
        const { path, init, data } = await request()
        const [[start, end]] = rangesFor(name, data.byteLength)
        const res = await target.fetch(path, { ...init, headers: { ...(init?.headers as Record<string, string>), Range: `bytes=${start}-${end}` } })
        const body = await bytes(res)
        if (res.status === 200) {
          expect(body).toEqual(data)
        } else {
          expect(res.status).toBe(206)
          expect(res.headers.get('Content-Range')).toBe(`bytes ${start}-${end}/${data.byteLength}`)
          expect(body).toEqual(data.subarray(start, end + 1))
        }
      }
    },
    {
      name: `${name} (multiple ranges)`,
      async run (target) {
        const { path, init, data, contentType } = await request()
        const ranges = rangesFor(name, data.byteLength)
        const header = `bytes=${ranges.map(([s, e]) => `${s}-${e}`).join(',')}`
        const res = await target.fetch(path, { ...init, headers: { ...(init?.headers as Record<string, string>), Range: header } })
        const body = await bytes(res)
        const type = res.headers.get('Content-Type') ?? ''
        if (res.status === 200) {
          expect(body).toEqual(data)
          expect(type).toBe(contentType)
        } else if (type.startsWith('multipart/byteranges')) {
          expect(res.status).toBe(206)
          const latin1 = new TextDecoder('latin1').decode(body)
          expect(latin1).toContain(`Content-Type: ${contentType}`)
          for (const [s, e] of ranges) {
            expect(latin1).toContain(`Content-Range: bytes ${s}-${e}/${data.byteLength}`)
            expect(latin1).toContain(new TextDecoder('latin1').decode(data.subarray(s, e + 1)))
          }
        } else {
          expect(res.status).toBe(206)
          expect(body).toEqual(data.subarray(ranges[0][0], ranges[0][1] + 1))
        }
      }
    }
  ]
}

/** The Cache-Control check of the raw block tests: public, immutable, max-age >= 29030400. */
export function expectImmutableCaching (value: string | null): void {
  const directives = new Map((value ?? '').split(',').map(d => { const [name, arg] = d.trim().split('='); return [name, arg] as const }))
  expect(directives.has('public')).toBe(true)
  expect(directives.has('immutable')).toBe(true)
  expect(Number(directives.get('max-age'))).toBeGreaterThanOrEqual(29030400)
}
