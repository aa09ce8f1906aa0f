/**
 * HTTP byte ranges (RFC 9110 §14). One range is answered with a 206 and Content-Range;
 * several with a 206 multipart/byteranges (see ranged-body.ts). A malformed or
 * non-bytes Range header is ignored, so the whole content is sent (200), which the RFC
 * allows; so is a list of more than MAX_RANGES ranges or of overlapping ones (a cheap
 * denial of service otherwise, RFC 9110 §14.2).
 */

/** Inclusive byte positions, as in Content-Range. */
export interface ByteRange {
  start: number
  end: number
}

export const MAX_RANGES = 16

/**
 * One `bytes=` range spec against `size`: the range, 'unsatisfiable', or 'invalid'
 * (malformed: the whole header is then ignored).
 */
function parseSpec (spec: string, size: number): ByteRange | 'unsatisfiable' | 'invalid' {
  const match = /^\s*(\d*)\s*-\s*(\d*)\s*$/.exec(spec)
  if (match == null) return 'invalid'
  const [, first, last] = match

  if (first === '') {
    if (last === '') return 'invalid'
    const suffix = Number(last)
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }

  const start = Number(first)
  if (last !== '' && Number(last) < start) return 'invalid'
  if (start >= size) return 'unsatisfiable'
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) }
}

/**
 * Every satisfiable range of the header, in the order asked.
 * @returns the ranges (one or more), 'unsatisfiable' (answer 416), or undefined (ignore the header)
 */
export function parseRanges (header: string | null | undefined, size: number): ByteRange[] | 'unsatisfiable' | undefined {
  if (header == null) return undefined
  const match = /^\s*bytes\s*=(.*)$/i.exec(header)
  if (match == null) return undefined
  const specs = match[1].split(',').filter(s => s.trim() !== '')
  if (specs.length === 0 || specs.length > MAX_RANGES) return undefined

  const ranges: ByteRange[] = []
  for (const spec of specs) {
    const range = parseSpec(spec, size)
    if (range === 'invalid') return undefined
    if (range !== 'unsatisfiable') ranges.push(range)
  }
  if (ranges.length === 0) return 'unsatisfiable'
  const sorted = [...ranges].sort((a, b) => a.start - b.start)
  if (sorted.some((r, i) => i > 0 && r.start <= sorted[i - 1].end)) return undefined
  return ranges
}

/**
 * A single range (the first of several is not picked: use parseRanges for those).
 * @returns the range to send, 'unsatisfiable' (answer 416), or undefined (ignore the header)
 */
export function parseRange (header: string | null | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const ranges = parseRanges(header, size)
  if (ranges == null || ranges === 'unsatisfiable') return ranges
  return ranges.length === 1 ? ranges[0] : undefined
}

export function contentRange (range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`
}
