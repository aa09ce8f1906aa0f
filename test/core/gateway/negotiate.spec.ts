import { describe, expect, it } from 'vitest'
import { parseDagScope, parseEntityBytes, parseFormatRequest, resolveEntityBytes } from '../../../src/core/gateway/negotiate.ts'

const q = (s = ''): URLSearchParams => new URLSearchParams(s)
const candidates = (query: string, accept: string | null): string[] => parseFormatRequest(q(query), accept).candidates

describe('parseFormatRequest', () => {
  it('the format query parameter wins over Accept', () => {
    expect(candidates('format=car', 'application/vnd.ipld.raw')).toEqual(['car'])
    expect(candidates('format=raw', 'text/html')).toEqual(['raw'])
    expect(parseFormatRequest(q('format=raw'), null).explicit).toBe(true)
  })

  it('maps the IPLD and plain JSON/CBOR Accept types to formats', () => {
    expect(candidates('', 'application/vnd.ipld.raw')).toEqual(['raw'])
    expect(candidates('', 'application/vnd.ipld.car; version=1')).toEqual(['car'])
    expect(candidates('', 'application/vnd.ipld.dag-json')).toEqual(['dag-json'])
    expect(candidates('', 'application/vnd.ipld.dag-cbor')).toEqual(['dag-cbor'])
    expect(candidates('', 'application/json')).toEqual(['json'])
    expect(candidates('', 'application/cbor')).toEqual(['cbor'])
  })

  it('no Accept and generic types mean the default response; text/html asks for an HTML view first', () => {
    expect(candidates('', null)).toEqual(['default'])
    expect(candidates('', '*/*')).toEqual(['default'])
    expect(candidates('', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toEqual(['html', 'default'])
  })

  it('lists the acceptable representations by q value', () => {
    expect(candidates('', 'text/html;q=0.5, application/vnd.ipld.raw')).toEqual(['raw', 'html'])
    expect(candidates('', 'application/vnd.ipld.raw;q=0, application/vnd.ipld.car')).toEqual(['car'])
    expect(candidates('', 'application/vnd.ipld.dag-json, */*;q=0.1')).toEqual(['dag-json', 'default'])
  })

  it('skips a CAR flavour it cannot write and takes the next acceptable type', () => {
    expect(candidates('', 'application/vnd.ipld.car; version=2, application/vnd.ipld.raw')).toEqual(['raw'])
    expect(candidates('', 'application/vnd.ipld.car; order=foo, application/vnd.ipld.car; order=dfs; dups=y; q=0.5')).toEqual(['car'])
  })

  it('answers 406 when only unsupported IPLD types are acceptable', () => {
    expect(() => parseFormatRequest(q(), 'application/vnd.ipld.car; version=2')).toThrow(expect.objectContaining({ status: 406 }))
    expect(() => parseFormatRequest(q(), 'application/x-tar')).toThrow(expect.objectContaining({ status: 406 }))
    expect(() => parseFormatRequest(q(), 'application/vnd.ipfs.ipns-record')).toThrow(expect.objectContaining({ status: 406 }))
  })

  it('rejects an unknown format value or CAR parameter as a bad request', () => {
    expect(() => parseFormatRequest(q('format=tar'), null)).toThrow(expect.objectContaining({ status: 400 }))
    expect(() => parseFormatRequest(q('format=car&car-version=2'), null)).toThrow(expect.objectContaining({ status: 400 }))
    expect(() => parseFormatRequest(q('format=car&car-order=bfs'), null)).toThrow(expect.objectContaining({ status: 400 }))
    expect(() => parseFormatRequest(q('format=car&car-dups=maybe'), null)).toThrow(expect.objectContaining({ status: 400 }))
  })

  it('CAR dups come from car-dups, else from Accept; the query wins', () => {
    expect(parseFormatRequest(q('format=car'), null).car.dups).toBe(false)
    expect(parseFormatRequest(q(), 'application/vnd.ipld.car; dups=y').car).toMatchObject({ dups: true, fromAccept: true, given: [['car-dups', 'y']] })
    expect(parseFormatRequest(q('format=car&car-dups=y'), 'application/vnd.ipld.car; dups=n').car).toMatchObject({ dups: true, fromAccept: true, given: [['car-dups', 'y']] })
    expect(parseFormatRequest(q('format=car&car-dups=n'), 'application/vnd.ipld.car; dups=y').car.dups).toBe(false)
  })
})

describe('parseDagScope', () => {
  it('defaults to all (entity with entity-bytes), accepts block and entity, rejects others', () => {
    expect(parseDagScope(q())).toBe('all')
    expect(parseDagScope(q('entity-bytes=0:10'))).toBe('entity')
    expect(parseDagScope(q('dag-scope=entity'))).toBe('entity')
    expect(parseDagScope(q('dag-scope=block'))).toBe('block')
    expect(() => parseDagScope(q('dag-scope=x'))).toThrow(expect.objectContaining({ status: 400 }))
  })
})

describe('entity-bytes', () => {
  it('parses from:to with negative offsets and * for the end', () => {
    expect(parseEntityBytes(q())).toBeUndefined()
    expect(parseEntityBytes(q('entity-bytes=0:99'))).toEqual({ from: 0, to: 99 })
    expect(parseEntityBytes(q('entity-bytes=-1024:*'))).toEqual({ from: -1024, to: '*' })
    expect(parseEntityBytes(q('entity-bytes=499:-1000'))).toEqual({ from: 499, to: -1000 })
  })

  it('rejects malformed and inverted ranges with 400', () => {
    for (const bad of ['', '1', 'a:b', '1:2:3', '*:5', '10:5', '0x1:2']) {
      expect(() => parseEntityBytes(q(`entity-bytes=${bad}`)), bad).toThrow(expect.objectContaining({ status: 400 }))
    }
  })

  it('resolves against the entity size like the trustless gateway spec', () => {
    expect(resolveEntityBytes({ from: 0, to: '*' }, 1026)).toEqual({ start: 0, end: 1025 })
    expect(resolveEntityBytes({ from: -5, to: '*' }, 1026)).toEqual({ start: 1021, end: 1025 })
    expect(resolveEntityBytes({ from: -9999, to: -3 }, 1026)).toEqual({ start: 0, end: 1023 })
    expect(resolveEntityBytes({ from: 512, to: 99999 }, 1026)).toEqual({ start: 512, end: 1025 })
    expect(resolveEntityBytes({ from: 2000, to: '*' }, 1026)).toBe('outside')
    expect(resolveEntityBytes({ from: 0, to: -2000 }, 1026)).toBe('outside')
    expect(resolveEntityBytes({ from: 600, to: -500 }, 1026)).toBe('empty')
  })
})
