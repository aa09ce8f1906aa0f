/**
 * Path gateway, UnixFS: ipfs/gateway-conformance tests/path_gateway_unixfs_test.go
 * (TestUnixFSDirectoryListing, TestGatewayCache, TestGatewaySymlink,
 * TestGatewayUnixFSFileRanges, TestPathGatewayMiscellaneous). The /ipns/ variant
 * (TestGatewayCacheWithIPNS) does not apply: this gateway serves /ipfs/ only.
 */
import * as dagPb from '@ipld/dag-pb'
import { expect } from 'vitest'
import { bytes, describeConformance, fixture, text } from './harness.ts'
import type { ConformanceCase, Target } from './harness.ts'

const LISTING = 'dir_listing/fixtures.car'
const CACHE = 'gateway-cache/fixtures.car'
const FILES = 'path_gateway_unixfs/dir-with-files.car'
const MISSING = 'trustless_gateway_car/file-3k-and-3-blocks-missing-block.car'
const NOT_HERE = 'QmYzfKSE55XCjD1MW128RfciAf2DViABhEiXfgVFMabSjN'
const WEEK = 'public, max-age=604800, stale-while-revalidate=2678400'
const IMMUTABLE = 'public, max-age=29030400, immutable'

async function status (target: Target, path: string, init?: RequestInit): Promise<number> {
  const res = await target.fetch(path, init)
  await res.body?.cancel()
  return res.status
}

const cases: ConformanceCase[] = [
  // TestUnixFSDirectoryListing
  {
    name: 'path gw: backlink on root CID should be hidden',
    async run (target) {
      const f = await fixture(LISTING)
      const html = await text(await target.fetch(`/ipfs/${f.cid()}/`))
      expect(html).toContain('Index of')
      expect(html).not.toContain(`<a href="/ipfs/${f.cid()}/">..</a>`)
    }
  },
  {
    name: 'path gw: redirect dir listing to URL with trailing slash',
    async run (target) {
      const f = await fixture(LISTING)
      const res = await target.fetch(`/ipfs/${f.cid()}/ą/ę`, { redirect: 'manual' })
      expect(res.status).toBe(301)
      expect(res.headers.get('Location')).toBe(`/ipfs/${f.cid()}/%C4%85/%C4%99/`)
    }
  },
  {
    name: 'path gw: dir listing HTML response',
    async run (target) {
      const f = await fixture(LISTING)
      const root = f.cid()
      const res = await target.fetch(`/ipfs/${root}/ą/ę/`)
      expect(res.headers.get('ETag')).toContain('"DirIndex-')
      const html = await text(res)
      expect(html).toContain('Index of')
      expect(html).toContain(`/ipfs/<a href="/ipfs/${root}">${root}</a>/<a href="/ipfs/${root}/%C4%85">ą</a>/<a href="/ipfs/${root}/%C4%85/%C4%99">ę</a>`)
      expect(html).toContain(`<a href="/ipfs/${root}/%C4%85/%C4%99/..">..</a>`)
      expect(html).toContain(`<a href="/ipfs/${root}/%C4%85/%C4%99/file-%C5%BA%C5%82.txt">file-źł.txt</a>`)
      // Kubo double-encodes the name in the hash column's filename (file-%25C5...): this
      // gateway encodes it once, so ?filename= names the file as it is
      expect(html).toContain(`<a class="ipfs-hash" translate="no" href="/ipfs/${f.cid('ą', 'ę', 'file-źł.txt')}?filename=file-%C5%BA%C5%82.txt">`)
    }
  },
  {
    name: 'GET for /ipfs/cid/file UnixFS file that does not exist returns 404',
    async run (target) {
      const f = await fixture(LISTING)
      expect(await status(target, `/ipfs/${f.cid()}/i-do-not-exist`)).toBe(404)
    }
  },

  // TestGatewayCache
  {
    name: 'GET for /ipfs/ unixfs dir listing succeeds',
    async run (target) {
      const f = await fixture(CACHE)
      const res = await target.fetch(`/ipfs/${f.cid()}/root2/root3/`)
      expect(res.status).toBe(200)
      expect(res.headers.get('X-Ipfs-Path')).toBe(`/ipfs/${f.cid()}/root2/root3/`)
      expect(res.headers.get('X-Ipfs-Roots')).toBe([f.cid(), f.cid('root2'), f.cid('root2', 'root3')].join(','))
      expect(res.headers.get('ETag')).toMatch(new RegExp(`DirIndex-.*_CID-${f.cid('root2', 'root3')}`))
      expect([null, WEEK]).toContain(res.headers.get('Cache-Control'))
      await res.body?.cancel()
    }
  },
  {
    name: 'GET for /ipfs/ unixfs dir with index.html succeeds',
    async run (target) {
      const f = await fixture(CACHE)
      const res = await target.fetch(`/ipfs/${f.cid()}/root2/root3/root4/`)
      expect(res.status).toBe(200)
      expect(res.headers.get('Cache-Control')).toBe(IMMUTABLE)
      expect(res.headers.get('X-Ipfs-Path')).toBe(`/ipfs/${f.cid()}/root2/root3/root4/`)
      expect(res.headers.get('X-Ipfs-Roots')).toBe([f.cid(), f.cid('root2'), f.cid('root2', 'root3'), f.cid('root2', 'root3', 'root4')].join(','))
      expect(res.headers.get('ETag')).toBe(`"${f.cid('root2', 'root3', 'root4')}"`)
      await res.body?.cancel()
    }
  },
  {
    name: 'GET for /ipfs/ unixfs file succeeds',
    async run (target) {
      const f = await fixture(CACHE)
      const res = await target.fetch(`/ipfs/${f.cid()}/root2/root3/root4/index.html`)
      expect(res.status).toBe(200)
      expect(res.headers.get('Cache-Control')).toBe(IMMUTABLE)
      expect(res.headers.get('X-Ipfs-Path')).toBe(`/ipfs/${f.cid()}/root2/root3/root4/index.html`)
      expect(res.headers.get('X-Ipfs-Roots')).toBe([f.cid(), f.cid('root2'), f.cid('root2', 'root3'), f.cid('root2', 'root3', 'root4'), f.cid('root2', 'root3', 'root4', 'index.html')].join(','))
      expect(res.headers.get('ETag')).toBe(`"${f.cid('root2', 'root3', 'root4', 'index.html')}"`)
      await res.body?.cancel()
    }
  },
  {
    name: 'GET for /ipfs/ unixfs dir as raw block succeeds',
    async run (target) {
      const f = await fixture(CACHE)
      const res = await target.fetch(`/ipfs/${f.cid()}/root2/root3/root4/?format=raw`)
      expect(res.status).toBe(200)
      expect(res.headers.get('Cache-Control')).toBe(IMMUTABLE)
      expect(await bytes(res)).toEqual(Uint8Array.from([
        0x12, 0x34, 0x0a, 0x24, 0x01, 0x55, 0x12, 0x20, 0x58, 0x91, 0xb5, 0xb5,
        0x22, 0xd5, 0xdf, 0x08, 0x6d, 0x0f, 0xf0, 0xb1, 0x10, 0xfb, 0xd9, 0xd2,
        0x1b, 0xb4, 0xfc, 0x71, 0x63, 0xaf, 0x34, 0xd0, 0x82, 0x86, 0xa2, 0xe8,
        0x46, 0xf6, 0xbe, 0x03, 0x12, 0x0a, 0x69, 0x6e, 0x64, 0x65, 0x78, 0x2e,
        0x68, 0x74, 0x6d, 0x6c, 0x18, 0x06, 0x0a, 0x02, 0x08, 0x01
      ]))
    }
  },
  {
    name: 'HEAD for /ipfs/ with only-if-cached succeeds when in local datastore',
    async run (target) {
      const f = await fixture(CACHE)
      expect(await status(target, `/ipfs/${f.cid()}/root2/root3/root4/?format=raw`, { method: 'HEAD', headers: { 'Cache-Control': 'only-if-cached' } })).toBe(200)
    }
  },
  {
    name: 'HEAD for /ipfs/ with only-if-cached fails when not in local datastore',
    async run (target) {
      expect(await status(target, `/ipfs/${NOT_HERE}`, { method: 'HEAD', headers: { 'Cache-Control': 'only-if-cached' } })).toBe(412)
    }
  },
  {
    name: 'GET for /ipfs/ with only-if-cached succeeds when in local datastore',
    async run (target) {
      const f = await fixture(CACHE)
      expect(await status(target, `/ipfs/${f.cid()}/root2/root3/root4/?format=raw`, { headers: { 'Cache-Control': 'only-if-cached' } })).toBe(200)
    }
  },
  {
    name: 'GET for /ipfs/ with only-if-cached fails when not in local datastore',
    async run (target) {
      expect(await status(target, `/ipfs/${NOT_HERE}`, { headers: { 'Cache-Control': 'only-if-cached' } })).toBe(412)
    }
  },
  ...[
    ['GET for /ipfs/ file with matching Etag in If-None-Match returns 304 Not Modified', 'root2/root3/root4/index.html', (c: string) => `"${c}"`, ['root2', 'root3', 'root4', 'index.html']],
    ['GET for /ipfs/ dir with index.html file with matching Etag in If-None-Match returns 304 Not Modified', 'root2/root3/root4/', (c: string) => `"${c}"`, ['root2', 'root3', 'root4']],
    ['GET for /ipfs/ file with matching third Etag in If-None-Match returns 304 Not Modified', 'root2/root3/root4/index.html', (c: string) => `"fakeEtag1", "fakeEtag2", "${c}"`, ['root2', 'root3', 'root4', 'index.html']],
    ['GET for /ipfs/ file with matching weak Etag in If-None-Match returns 304 Not Modified', 'root2/root3/root4/index.html', (c: string) => `W/"${c}"`, ['root2', 'root3', 'root4', 'index.html']],
    ['GET for /ipfs/ file with wildcard Etag in If-None-Match returns 304 Not Modified', 'root2/root3/root4/index.html', () => '*', []]
  ].map(([name, path, tag, names]): ConformanceCase => ({
    name: name as string,
    async run (target) {
      const f = await fixture(CACHE)
      const header = (tag as (c: string) => string)(f.cid(...(names as string[])).toString())
      expect(await status(target, `/ipfs/${f.cid()}/${path as string}`, { headers: { 'If-None-Match': header } })).toBe(304)
    }
  })),
  {
    name: 'GET for /ipfs/ dir listing with matching strong and weak Etag in If-None-Match returns 304 Not Modified',
    async run (target) {
      const f = await fixture(CACHE)
      const first = await target.fetch(`/ipfs/${f.cid()}/root2/root3/`)
      const etag = (first.headers.get('ETag') ?? '').replace(/"/g, '')
      await first.body?.cancel()
      expect(etag).not.toBe('')
      expect(await status(target, `/ipfs/${f.cid()}/root2/root3/`, { headers: { 'If-None-Match': `"${etag}"` } })).toBe(304)
      expect(await status(target, `/ipfs/${f.cid()}/root2/root3/`, { headers: { 'If-None-Match': `W/"${etag}"` } })).toBe(304)
    }
  },

  // TestGatewaySymlink
  {
    name: 'Test the directory listing',
    async run (target) {
      const f = await fixture('path_gateway_unixfs/symlink.car')
      const html = await text(await target.fetch(`/ipfs/${f.cid()}/`))
      expect(html).toContain('>foo<')
      expect(html).toContain('>bar<')
    }
  },
  {
    name: 'Test the directory raw query',
    async run (target) {
      const f = await fixture('path_gateway_unixfs/symlink.car')
      const res = await target.fetch(`/ipfs/${f.cid()}?format=raw`)
      expect(res.status).toBe(200)
      expect(await bytes(res)).toEqual(f.raw())
    }
  },
  {
    name: 'Test the symlink',
    async run (target) {
      const f = await fixture('path_gateway_unixfs/symlink.car')
      const res = await target.fetch(`/ipfs/${f.cid()}/bar`)
      expect(res.status).toBe(200)
      expect(await text(res)).toBe('foo')
    }
  },

  // TestGatewayUnixFSFileRanges
  {
    name: 'GET for /ipfs/ file includes Accept-Ranges header',
    async run (target) {
      const f = await fixture(FILES)
      const res = await target.fetch(`/ipfs/${f.cid()}/ascii.txt`)
      expect(res.status).toBe(200)
      expect(res.headers.get('Accept-Ranges')).toBe('bytes')
      expect(await bytes(res)).toEqual(await fileBytes(f.raw('ascii.txt')))
    }
  },
  {
    name: 'GET for /ipfs/ file with single range request includes correct bytes',
    async run (target) {
      const f = await fixture(FILES)
      const res = await target.fetch(`/ipfs/${f.cid()}/ascii.txt`, { headers: { Range: 'bytes=6-16' } })
      expect(res.status).toBe(206)
      expect(res.headers.get('Content-Range')).toBe('bytes 6-16/31')
      expect(await bytes(res)).toEqual((await fileBytes(f.raw('ascii.txt'))).subarray(6, 17))
    }
  },
  {
    name: 'GET for /ipfs/ file with suffix range request includes correct bytes from the end of file',
    async run (target) {
      const f = await fixture(FILES)
      const res = await target.fetch(`/ipfs/${f.cid()}/ascii.txt`, { headers: { Range: 'bytes=-3' } })
      expect(res.status).toBe(206)
      expect(res.headers.get('Content-Range')).toBe('bytes 28-30/31')
      expect(await bytes(res)).toEqual((await fileBytes(f.raw('ascii.txt'))).subarray(28, 31))
    }
  },
  {
    name: 'GET for /ipfs/ file with multiple range request returns correct bytes',
    async run (target) {
      const f = await fixture(FILES)
      const data = await fileBytes(f.raw('ascii.txt'))
      const res = await target.fetch(`/ipfs/${f.cid()}/ascii.txt`, { headers: { Range: 'bytes=6-16,0-4' } })
      expect(res.status).toBe(206)
      expect(res.headers.get('Content-Type')).toContain('multipart/byteranges')
      const body = await text(res)
      expect(body).toContain('Content-Range: bytes 6-16/31')
      expect(body).toContain(new TextDecoder().decode(data.subarray(6, 17)))
      expect(body).toContain('Content-Range: bytes 0-4/31')
      expect(body).toContain(new TextDecoder().decode(data.subarray(0, 5)))
    }
  },
  {
    name: 'GET Range of file succeeds even if the gateway is missing a block AFTER the requested range',
    async run (target) {
      const f = await fixture(MISSING)
      const res = await target.fetch(`/ipfs/${f.cidWithCodec(dagPb.code)}`, { headers: { Range: 'bytes=997-1000' } })
      expect(res.status).toBe(206)
      expect(res.headers.get('Content-Range')).toBe('bytes 997-1000/3072')
      await res.body?.cancel()
    }
  },
  {
    name: 'GET Range of file succeeds even if the gateway is missing a block BEFORE the requested range',
    async run (target) {
      const f = await fixture(MISSING)
      const res = await target.fetch(`/ipfs/${f.cidWithCodec(dagPb.code)}`, { headers: { Range: 'bytes=2200-2201' } })
      expect(res.status).toBe(206)
      expect(res.headers.get('Content-Range')).toBe('bytes 2200-2201/3072')
      await res.body?.cancel()
    }
  },

  // TestPathGatewayMiscellaneous
  {
    name: 'GET for /ipfs/ file whose filename contains percentage-encoded characters works',
    async run (target) {
      const f = await fixture('path_gateway_unixfs/dir-with-percent-encoded-filename.car')
      const res = await target.fetch(`/ipfs/${f.cid()}/Portugal%252C+España=Peninsula%20Ibérica.txt`)
      expect(res.status).toBe(200)
      expect(await bytes(res)).toEqual(await fileBytes(f.raw('Portugal%2C+España=Peninsula Ibérica.txt')))
    }
  }
]

/** MustGetRawData of a file: a raw leaf is the file; a dag-pb leaf carries it in its UnixFS data. */
async function fileBytes (block: Uint8Array): Promise<Uint8Array> {
  try {
    const { UnixFS } = await import('ipfs-unixfs')
    const node = dagPb.decode(block)
    return UnixFS.unmarshal(node.Data ?? new Uint8Array(0)).data ?? new Uint8Array(0)
  } catch {
    return block
  }
}

describeConformance('path gateway: UnixFS (path_gateway_unixfs_test.go)', cases)
