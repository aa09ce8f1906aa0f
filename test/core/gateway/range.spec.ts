import { describe, expect, it } from 'vitest'
import { parseRange, parseRanges } from '../../../src/core/gateway/range.ts'

describe('parseRange', () => {
  it('reads a closed range, clamping the end to the size', () => {
    expect(parseRange('bytes=0-0', 10)).toEqual({ start: 0, end: 0 })
    expect(parseRange('bytes=2-5', 10)).toEqual({ start: 2, end: 5 })
    expect(parseRange('bytes=5-100', 10)).toEqual({ start: 5, end: 9 })
  })

  it('reads an open-ended range', () => {
    expect(parseRange('bytes=9-', 10)).toEqual({ start: 9, end: 9 })
  })

  it('reads a suffix range, whole file when longer than it', () => {
    expect(parseRange('bytes=-3', 10)).toEqual({ start: 7, end: 9 })
    expect(parseRange('bytes=-30', 10)).toEqual({ start: 0, end: 9 })
  })

  it('calls a start past the end, a zero suffix or any range of an empty file unsatisfiable', () => {
    expect(parseRange('bytes=10-', 10)).toBe('unsatisfiable')
    expect(parseRange('bytes=10-20', 10)).toBe('unsatisfiable')
    expect(parseRange('bytes=-0', 10)).toBe('unsatisfiable')
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable')
  })

  it('ignores absent, malformed, inverted, non-bytes and multi-range headers', () => {
    expect(parseRange(null, 10)).toBeUndefined()
    expect(parseRange('bytes=5-2', 10)).toBeUndefined()
    expect(parseRange('bytes=-', 10)).toBeUndefined()
    expect(parseRange('items=0-1', 10)).toBeUndefined()
    expect(parseRange('bytes=0-1,3-4', 10)).toBeUndefined()
    expect(parseRange('bytes=a-b', 10)).toBeUndefined()
  })
})

describe('parseRanges', () => {
  it('reads several ranges in the order asked, dropping unsatisfiable ones', () => {
    expect(parseRanges('bytes=6-16,0-4', 31)).toEqual([{ start: 6, end: 16 }, { start: 0, end: 4 }])
    expect(parseRanges('bytes=0-1, 40-50, -3', 31)).toEqual([{ start: 0, end: 1 }, { start: 28, end: 30 }])
    expect(parseRanges('bytes=40-50,60-', 31)).toBe('unsatisfiable')
  })

  it('ignores overlapping ranges, more than 16, a malformed part or an empty list', () => {
    expect(parseRanges('bytes=0-10,5-20', 100)).toBeUndefined()
    expect(parseRanges(`bytes=${Array.from({ length: 17 }, (_, i) => `${i * 2}-${i * 2}`).join(',')}`, 100)).toBeUndefined()
    expect(parseRanges('bytes=0-1,x', 100)).toBeUndefined()
    expect(parseRanges('bytes=', 100)).toBeUndefined()
  })
})
