import { describe, expect, it } from 'vitest'
import { parseListQuery } from '../../../src/core/pinning/routes.ts'
import { decodePathSegment, metaInput } from '../../../src/core/pinning/validate.ts'


describe('the meta filter of a pin query', () => {
  it('takes meta as JSON (the spec) and meta[key]=value (what pinning-service-client sends), merged', () => {
    expect(metaInput({ meta: '{"app":"photos"}' })).toEqual({ app: 'photos' })
    expect(metaInput({ meta: { app: 'photos' } })).toEqual({ app: 'photos' })
    expect(metaInput({ 'meta[app]': 'photos', 'meta[kind]': 'album' })).toEqual({ app: 'photos', kind: 'album' })
    expect(metaInput({ meta: '{"app":"photos"}', 'meta[kind]': 'album' })).toEqual({ app: 'photos', kind: 'album' })
    expect(metaInput({ 'meta[a[b]]': 'x' })).toEqual({ 'a[b]': 'x' })
    expect(metaInput({ name: 'x' })).toBeUndefined()
  })

  it('refuses with 400 what is not an object of strings, never ignoring it', () => {
    for (const meta of ['notjson', '{', '[1]', '1', '"s"', '{"a":1}', '{"a":null}']) {
      expect(() => metaInput({ meta }), meta).toThrow(expect.objectContaining({ status: 400 }))
    }
    expect(() => metaInput({ meta: 'notjson' }, 'INPUT_INVALID')).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }))
    expect(() => metaInput({ 'meta[a]': 'x'.repeat(2000) })).toThrow(expect.objectContaining({ status: 400 }))
  })

  it('parseListQuery reads the generated client\'s encoded meta[key] fields', () => {
    const url = new URL(`http://cafe/api/v0/pinning/pins?${encodeURIComponent('meta[app]')}=photos&status=pinned&status=failed`)
    expect(parseListQuery(url)).toMatchObject({ meta: { app: 'photos' }, status: ['pinned', 'failed'] })
    expect(() => parseListQuery(new URL('http://cafe/p?meta=notjson'))).toThrow(expect.objectContaining({ status: 400 }))
  })
})

describe('decodePathSegment', () => {
  it('decodes escapes and turns a malformed one into a 400', () => {
    expect(decodePathSegment('a%20b', 'requestid')).toBe('a b')
    expect(() => decodePathSegment('%ff', 'requestid')).toThrow(expect.objectContaining({ status: 400, message: 'requestid has a malformed percent escape' }))
  })
})
