/**
 * HTTP byte ranges (RFC 9110 §14). Only single ranges are honoured; a multi-range,
 * malformed or non-bytes Range header is ignored, so the whole content is sent (200),
 * which the RFC allows.
 */

/** Inclusive byte positions, as in Content-Range. */
export interface ByteRange {
  start: number
  end: number
}

/**
 * @returns the range to send, 'unsatisfiable' (answer 416), or undefined (ignore the header)
 */
export function parseRange (header: string | null | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header == null) return undefined
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header)
  if (match == null) return undefined
  const [, first, last] = match

  if (first === '') {
    if (last === '') return undefined
    const suffix = Number(last)
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }

  const start = Number(first)
  if (last !== '' && Number(last) < start) return undefined
  if (start >= size) return 'unsatisfiable'
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) }
}

export function contentRange (range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`
}
