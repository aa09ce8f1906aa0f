/**
 * Trustless gateway, CAR responses: ipfs/gateway-conformance tests/trustless_gateway_car_test.go
 * (TestTrustlessCarPathing, ...DagScopeBlock, ...DagScopeEntity, ...DagScopeAll,
 * ...EntityBytes, ...OrderAndDuplicates, ...FormatPrecedence).
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { expect } from 'vitest'
import { carBlocks, carVariants, describeConformance, expectCarExactly, expectStandardCarHeaders, fixture, key } from './harness.ts'
import type { ConformanceCase, Fixture, Target } from './harness.ts'
import type { CID } from 'multiformats/cid'

const SUBDIR_TWO = 'trustless_gateway_car/subdir-with-two-single-block-files.car'
const HAMT = 'trustless_gateway_car/single-layer-hamt-with-multi-block-files.car'
const DAG_CBOR_LINKS = 'trustless_gateway_car/dir-with-dag-cbor-with-links.car'
const MIXED = 'trustless_gateway_car/subdir-with-mixed-block-files.car'
const MISSING = 'trustless_gateway_car/file-3k-and-3-blocks-missing-block.car'
const DUPLICATES = 'trustless_gateway_car/dir-with-duplicate-files.car'

/** A CAR case: both the ?format=car and the Accept form, standard CAR headers, exact blocks in order. */
function carCase (name: string, car: string, path: (f: Fixture) => string, query: Record<string, string>, expected: (f: Fixture) => Array<CID | string>, inOrder = true): ConformanceCase {
  return {
    name,
    async run (target: Target) {
      const f = await fixture(car)
      for (const variant of carVariants(path(f), query)) {
        const res = await target.fetch(variant.path, variant.init)
        expect(res.status, variant.path).toBe(200)
        expectStandardCarHeaders(res)
        if (inOrder) {
          await expectCarExactly(res, expected(f))
        } else {
          expect(new Set(await carBlocks(res))).toEqual(new Set(expected(f).map(c => key(c))))
        }
      }
    }
  }
}

const MULTIBLOCK = [
  'bafkreie5noke3mb7hqxukzcy73nl23k6lxszxi5w3dtmuwz62wnvkpsscm',
  'bafkreih4ephajybraj6wnxsbwjwa77fukurtpl7oj7t7pfq545duhot7cq',
  'bafkreigu7buvm3cfunb35766dn7tmqyh2um62zcio63en2btvxuybgcpue',
  'bafkreicll3huefkc3qnrzeony7zcfo7cr3nbx64hnxrqzsixpceg332fhe',
  'bafkreifst3pqztuvj57lycamoi7z34b4emf7gawxs74nwrc2c7jncmpaqm'
]

const cases: ConformanceCase[] = [
  // TestTrustlessCarPathing
  carCase('GET default CAR response with pathing through UnixFS Directory', SUBDIR_TWO,
    f => `/ipfs/${f.cidWithCodec(dagPb.code)}/subdir/ascii.txt`, {},
    f => [f.cid(), f.cid('subdir'), f.cid('subdir', 'ascii.txt')]),
  carCase('GET default CAR response of UnixFS file on a path with HAMT-sharded directory', HAMT,
    f => `/ipfs/${f.cidWithCodec(dagPb.code)}/685.txt`, {},
    f => [f.cid(), ...f.hamtPathTo('685.txt'), f.cid('685.txt'), ...f.descendants('685.txt')]),
  carCase('GET default CAR response of UnixFS file on a path with DAG-CBOR as root CID', DAG_CBOR_LINKS,
    f => `/ipfs/${f.cidWithCodec(dagCbor.code, 'document')}/files/single`, {},
    f => [f.cid('document'), f.cid('document', 'files', 'single')]),
  {
    name: 'GET default CAR response for non-existing file',
    async run (target) {
      const f = await fixture(SUBDIR_TWO)
      for (const variant of carVariants(`/ipfs/${f.cidWithCodec(dagPb.code)}/subdir/i-do-not-exist`)) {
        const res = await target.fetch(variant.path, variant.init)
        // the spec allows a partial CAR too; this gateway checks the path first
        expect(res.status).toBe(404)
      }
    }
  },

  // TestTrustlessCarDagScopeBlock
  carCase('GET CAR with dag-scope=block of UnixFS directory on a path', SUBDIR_TWO,
    f => `/ipfs/${f.cidWithCodec(dagPb.code)}/subdir`, { 'dag-scope': 'block' },
    f => [f.cid(), f.cid('subdir')]),
  carCase('GET CAR with dag-scope=block of UnixFS file on a path', SUBDIR_TWO,
    f => `/ipfs/${f.cidWithCodec(dagPb.code)}/subdir/ascii.txt`, { 'dag-scope': 'block' },
    f => [f.cid(), f.cid('subdir'), f.cid('subdir', 'ascii.txt')]),
  carCase('GET CAR with dag-scope=block of UnixFS file on a path with sharded directory', HAMT,
    f => `/ipfs/${f.cidWithCodec(dagPb.code)}/1.txt`, { 'dag-scope': 'block' },
    f => [f.cid(), ...f.hamtPathTo('1.txt'), f.cid('1.txt')]),

  // TestTrustlessCarDagScopeEntity
  carCase('GET CAR with dag-scope=entity of a UnixFS directory', SUBDIR_TWO,
    f => `/ipfs/${f.cidWithCodec(dagPb.code)}`, { 'dag-scope': 'entity' },
    f => [f.cid()]),
  carCase('GET CAR with dag-scope=entity of a UnixFS sharded directory', HAMT,
    f => `/ipfs/${f.cidWithCodec(dagPb.code)}`, { 'dag-scope': 'entity' },
    f => [f.cid(), ...f.hamtShards()]),
  carCase('GET CAR with dag-scope=entity of a UnixFS file', MIXED,
    f => `/ipfs/${f.cidWithCodec(dagPb.code)}/subdir/ascii.txt`, { 'dag-scope': 'entity' },
    f => [f.cid(), f.cid('subdir'), f.cid('subdir', 'ascii.txt')]),
  carCase('GET CAR with dag-scope=entity of a chunked UnixFS file', MIXED,
    f => `/ipfs/${f.cidWithCodec(dagPb.code)}/subdir/multiblock.txt`, { 'dag-scope': 'entity' },
    f => [f.cid(), f.cid('subdir'), f.cid('subdir', 'multiblock.txt'), ...f.descendants('subdir', 'multiblock.txt')]),
  carCase('GET CAR with dag-scope=entity of DAG-CBOR with Links', DAG_CBOR_LINKS,
    f => `/ipfs/${f.cidWithCodec(dagPb.code)}/document`, { 'dag-scope': 'entity' },
    f => [f.cid(), f.cid('document')]),

  // TestTrustlessCarDagScopeAll
  carCase('GET CAR with dag-scope=all of UnixFS directory with multiple files', MIXED,
    f => `/ipfs/${f.cidWithCodec(dagPb.code)}/subdir`, { 'dag-scope': 'all' },
    f => [f.cid(), f.cid('subdir'), ...f.descendants('subdir')]),
  carCase('GET CAR with dag-scope=all of a chunked UnixFS file', MIXED,
    f => `/ipfs/${f.cidWithCodec(dagPb.code)}/subdir/multiblock.txt`, { 'dag-scope': 'all' },
    f => [f.cid(), f.cid('subdir'), f.cid('subdir', 'multiblock.txt'), ...f.descendants('subdir', 'multiblock.txt')]),

  // TestTrustlessCarEntityBytes
  carCase('GET CAR with entity-bytes succeeds even if the gateway is missing a block after the requested range', MISSING,
    f => `/ipfs/${f.cidWithCodec(dagPb.code)}`, { 'dag-scope': 'entity', 'entity-bytes': '0:1000' },
    f => [f.cid(), 'QmPKt7ptM2ZYSGPUc8PmPT2VBkLDK3iqpG9TBJY7PCE9rF'], false),
  carCase('GET CAR with entity-bytes succeeds even if the gateway is missing a block before the requested range', MISSING,
    f => `/ipfs/${f.cidWithCodec(dagPb.code)}`, { 'dag-scope': 'entity', 'entity-bytes': '2200:*' },
    f => [f.cid(), 'QmWXY482zQdwecnfBsj78poUUuPXvyw2JAFAEMw4tzTavV'], false),
  carCase('GET CAR with entity-bytes of a full UnixFS file', MIXED,
    f => `/ipfs/${f.cidWithCodec(dagPb.code)}/subdir/multiblock.txt`, { 'dag-scope': 'entity', 'entity-bytes': '0:*' },
    f => [f.cid(), f.cid('subdir'), f.cid('subdir', 'multiblock.txt'), ...f.descendants('subdir', 'multiblock.txt')]),
  carCase('GET CAR with entity-bytes of a UnixFS directory', HAMT,
    f => `/ipfs/${f.cidWithCodec(dagPb.code)}`, { 'dag-scope': 'entity', 'entity-bytes': '0:*' },
    f => [f.cid(), ...f.hamtShards()]),
  carCase('GET CAR with entity-bytes equivalent to a HTTP Range Request from the middle of a file to the end', MIXED,
    f => `/ipfs/${f.cidWithCodec(dagPb.code, 'subdir', 'multiblock.txt')}`, { 'dag-scope': 'entity', 'entity-bytes': '512:*' },
    f => [f.cid('subdir', 'multiblock.txt'), ...f.descendants('subdir', 'multiblock.txt').slice(2)]),
  carCase('GET CAR with entity-bytes equivalent to a HTTP Range Request for the middle of a file', MIXED,
    f => `/ipfs/${f.cidWithCodec(dagPb.code, 'subdir', 'multiblock.txt')}`, { 'dag-scope': 'entity', 'entity-bytes': '512:1023' },
    f => [f.cid('subdir', 'multiblock.txt'), ...f.descendants('subdir', 'multiblock.txt').slice(2, 4)]),
  carCase('GET CAR with entity-bytes equivalent to a HTTP Range Request for the middle of a file (negative ending)', MIXED,
    f => `/ipfs/${f.cidWithCodec(dagPb.code, 'subdir', 'multiblock.txt')}`, { 'dag-scope': 'entity', 'entity-bytes': '512:-256' },
    f => [f.cid('subdir', 'multiblock.txt'), ...f.descendants('subdir', 'multiblock.txt').slice(2, 4)]),
  carCase('GET CAR with entity-bytes equivalent to HTTP Suffix Range Request for part of a file', MIXED,
    f => `/ipfs/${f.cidWithCodec(dagPb.code, 'subdir', 'multiblock.txt')}`, { 'dag-scope': 'entity', 'entity-bytes': '-5:*' },
    f => [f.cid('subdir', 'multiblock.txt'), ...f.descendants('subdir', 'multiblock.txt').slice(3)]),
  carCase('GET CAR with entity-bytes requesting a negative range bigger than the length of a file', MIXED,
    f => `/ipfs/${f.cidWithCodec(dagPb.code, 'subdir', 'multiblock.txt')}`, { 'dag-scope': 'entity', 'entity-bytes': '-9999:*' },
    f => [f.cid('subdir', 'multiblock.txt'), ...MULTIBLOCK]),
  carCase('GET CAR with entity-bytes requesting a range from the end of a file that is bigger than a file itself', MIXED,
    f => `/ipfs/${f.cidWithCodec(dagPb.code, 'subdir', 'multiblock.txt')}`, { 'dag-scope': 'entity', 'entity-bytes': '-9999:-3' },
    f => [f.cid('subdir', 'multiblock.txt'), ...MULTIBLOCK.slice(0, 4)]),
  carCase('GET CAR with entity-bytes requesting only the blocks for the first byte of a file', MIXED,
    f => `/ipfs/${f.cidWithCodec(dagPb.code, 'subdir', 'multiblock.txt')}`, { 'dag-scope': 'entity', 'entity-bytes': '0:0' },
    f => [f.cid('subdir', 'multiblock.txt'), f.descendants('subdir', 'multiblock.txt')[0]]),

  // TestTrustlessCarOrderAndDuplicates (specs.TrustlessGatewayCAROptional)
  {
    name: 'GET CAR with order=dfs and dups=y of UnixFS Directory With Duplicate Files',
    async run (target) {
      const f = await fixture(DUPLICATES)
      const res = await target.fetch(`/ipfs/${f.cid()}`, { headers: { Accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=y' } })
      expect(res.status).toBe(200)
      const type = res.headers.get('Content-Type') ?? ''
      expect(type).toContain('application/vnd.ipld.car')
      expect(type).toContain('order=dfs')
      expect(type).toContain('dups=y')
      await expectCarExactly(res, [f.cid(), f.cid('ascii.txt'), f.cid('ascii-copy.txt'), f.cid('hello.txt'), f.cid('multiblock.txt'), ...MULTIBLOCK])
    }
  },
  {
    name: 'GET CAR with order=dfs and dups=n of UnixFS Directory With Duplicate Files',
    async run (target) {
      const f = await fixture(DUPLICATES)
      const res = await target.fetch(`/ipfs/${f.cid()}`, { headers: { Accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=n' } })
      expect(res.status).toBe(200)
      const type = res.headers.get('Content-Type') ?? ''
      expect(type).toContain('order=dfs')
      expect(type).toContain('dups=n')
      await expectCarExactly(res, [f.cid(), f.cid('ascii.txt'), f.cid('hello.txt'), f.cid('multiblock.txt'), ...MULTIBLOCK])
    }
  },
  {
    name: 'GET CAR smoke-test with order=unk of UnixFS Directory',
    async run (target) {
      const f = await fixture(DUPLICATES)
      const res = await target.fetch(`/ipfs/${f.cid()}`, { headers: { Accept: 'application/vnd.ipld.car; version=1; order=unk' } })
      expect(res.status).toBe(200)
      const type = res.headers.get('Content-Type') ?? ''
      expect(type).toContain('application/vnd.ipld.car')
      expect(type).toContain('order=')
      const blocks = new Set(await carBlocks(res))
      for (const cid of [f.cid(), f.cid('ascii.txt'), f.cid('ascii-copy.txt'), f.cid('hello.txt'), f.cid('multiblock.txt')]) {
        expect(blocks.has(key(cid))).toBe(true)
      }
      for (const cid of MULTIBLOCK) expect(blocks.has(cid)).toBe(true)
    }
  },
  {
    name: 'GET CAR with order=dfs and dups=y of identity CID',
    async run (target) {
      const res = await target.fetch('/ipfs/bafkqaf3imvwgy3zaneqgc3janfxgy2lomvscay3jmqfa', { headers: { Accept: 'application/vnd.ipld.car; dups=y' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('Content-Type')).toContain('dups=y')
      await expectCarExactly(res, [])
    }
  },
  {
    name: 'GET CAR with ?format=car respects Accept header order and dups params',
    async run (target) {
      const f = await fixture(DUPLICATES)
      const res = await target.fetch(`/ipfs/${f.cid()}?format=car`, { headers: { Accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=y' } })
      expect(res.status).toBe(200)
      const type = res.headers.get('Content-Type') ?? ''
      expect(type).toContain('order=dfs')
      expect(type).toContain('dups=y')
      await expectCarExactly(res, [f.cid(), f.cid('ascii.txt'), f.cid('ascii-copy.txt'), f.cid('hello.txt'), f.cid('multiblock.txt'), ...MULTIBLOCK])
    }
  },
  {
    name: 'GET CAR with ?car-order=dfs takes precedence over order=unk in Accept',
    async run (target) {
      const f = await fixture(DUPLICATES)
      const res = await target.fetch(`/ipfs/${f.cid()}?format=car&car-order=dfs`, { headers: { Accept: 'application/vnd.ipld.car; order=unk' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('Content-Type')).toContain('order=dfs')
      await res.body?.cancel()
    }
  },
  {
    name: 'GET CAR with ?car-dups=y takes precedence over dups=n in Accept',
    async run (target) {
      const f = await fixture(DUPLICATES)
      const res = await target.fetch(`/ipfs/${f.cid()}?format=car&car-dups=y`, { headers: { Accept: 'application/vnd.ipld.car; dups=n' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('Content-Type')).toContain('dups=y')
      await res.body?.cancel()
    }
  },

  // TestTrustlessCarFormatPrecedence
  {
    name: 'GET with format=car query parameter takes precedence over Accept header',
    async run (target) {
      const f = await fixture('gateway-raw-block.car')
      const res = await target.fetch(`/ipfs/${f.cid('dir')}?format=car`, { headers: { Accept: 'application/vnd.ipld.raw' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('Content-Type')).toContain('application/vnd.ipld.car')
      await res.body?.cancel()
    }
  },
  {
    name: 'GET with format=raw query parameter takes precedence over Accept header',
    async run (target) {
      const f = await fixture('gateway-raw-block.car')
      const res = await target.fetch(`/ipfs/${f.cid('dir')}?format=raw`, { headers: { Accept: 'application/vnd.ipld.car' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('Content-Type')).toBe('application/vnd.ipld.raw')
      await res.body?.cancel()
    }
  }
]

describeConformance('trustless gateway: CAR responses (trustless_gateway_car_test.go)', cases)
