import { describe, expect, it } from 'vitest'
import { negotiateFormat, parseDagScope } from '../../../src/core/gateway/negotiate.ts'

const q = (s = ''): URLSearchParams => new URLSearchParams(s)

describe('negotiateFormat', () => {
  it('format query parameter wins over Accept', () => {
    expect(negotiateFormat(q('format=car'), 'application/vnd.ipld.raw')).toBe('car')
    expect(negotiateFormat(q('format=raw'), 'text/html')).toBe('raw')
  })

  it('maps the IPLD Accept types to formats', () => {
    expect(negotiateFormat(q(), 'application/vnd.ipld.raw')).toBe('raw')
    expect(negotiateFormat(q(), 'application/vnd.ipld.car; version=1')).toBe('car')
    expect(negotiateFormat(q(), 'application/vnd.ipld.dag-json')).toBe('dag-json')
    expect(negotiateFormat(q(), 'application/vnd.ipld.dag-cbor')).toBe('dag-cbor')
  })

  it('browser and generic Accept headers get the default response', () => {
    expect(negotiateFormat(q(), null)).toBeUndefined()
    expect(negotiateFormat(q(), '*/*')).toBeUndefined()
    expect(negotiateFormat(q(), 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBeUndefined()
    expect(negotiateFormat(q(), 'application/json')).toBeUndefined()
  })

  it('follows q values', () => {
    expect(negotiateFormat(q(), 'text/html;q=0.5, application/vnd.ipld.raw')).toBe('raw')
    expect(negotiateFormat(q(), 'application/vnd.ipld.raw;q=0, application/vnd.ipld.car')).toBe('car')
  })

  it('skips a CAR flavour it cannot write and takes the next acceptable type', () => {
    expect(negotiateFormat(q(), 'application/vnd.ipld.car; version=2, application/vnd.ipld.raw')).toBe('raw')
  })

  it('answers 406 when only unsupported IPLD types are acceptable', () => {
    expect(() => negotiateFormat(q(), 'application/vnd.ipld.car; version=2')).toThrow(expect.objectContaining({ status: 406 }))
    expect(() => negotiateFormat(q(), 'application/x-tar')).toThrow(expect.objectContaining({ status: 406 }))
    expect(() => negotiateFormat(q(), 'application/vnd.ipld.car; dups=y')).toThrow(expect.objectContaining({ status: 406 }))
  })

  it('rejects an unknown format value or a CAR version other than 1 as a bad request', () => {
    expect(() => negotiateFormat(q('format=tar'), null)).toThrow(expect.objectContaining({ status: 400 }))
    expect(() => negotiateFormat(q('format=car&car-version=2'), null)).toThrow(expect.objectContaining({ status: 400 }))
  })
})

describe('parseDagScope', () => {
  it('defaults to all, accepts block and entity, rejects others', () => {
    expect(parseDagScope(q())).toBe('all')
    expect(parseDagScope(q('dag-scope=entity'))).toBe('all')
    expect(parseDagScope(q('dag-scope=block'))).toBe('block')
    expect(() => parseDagScope(q('dag-scope=x'))).toThrow(expect.objectContaining({ status: 400 }))
  })
})
