/**
 * The response for any byte sequence a client may ask ranges of (a UnixFS file, a raw
 * or codec block, a decrypted file): 200 with the whole, 206 with one range, 206
 * multipart/byteranges with several, 416 when none can be satisfied. Every 206 carries
 * the headers of the full response (ETag included).
 */
import { contentRange, parseRanges } from './range.ts'
import { multipartRangeResponse, okResponse, rangeNotSatisfiableResponse, rangeResponse } from './responses.ts'
import { primedStream, toReadableStream } from './stream.ts'
import type { ByteRange } from './range.ts'
import type { Body } from './responses.ts'

export interface RangedSource {
  size: number
  /** bytes `start` to `end` (exclusive) */
  read(start: number, end: number): AsyncIterable<Uint8Array>
  /** a ready body for one span (a Blob of stored leaves), when the source has one */
  body?(start: number, end: number): Promise<Body | undefined>
}

export interface RangedInit {
  request: Request
  /** headers of the full (200) response, Content-Type included */
  headers: Headers
  /**
   * read (and so authenticate) the first chunk before answering, so its failure is
   * an error status rather than a broken 200; on HEAD too when `onHead` is set
   */
  prime?: { onHead?: boolean }
  /** chunks a body stream keeps ready ahead of the client */
  readAhead?: number
}

const encoder = new TextEncoder()

export async function rangedResponse (source: RangedSource, init: RangedInit): Promise<Response> {
  const { size } = source
  const ranges = ifRangeHolds(init.request, init.headers)
    ? parseRanges(init.request.headers.get('Range'), size)
    : undefined
  if (ranges === 'unsatisfiable') return rangeNotSatisfiableResponse(size)

  const head = init.request.method === 'HEAD'
  const prime = init.prime != null && (!head || init.prime.onHead === true)

  async function span (start: number, end: number): Promise<Body> {
    if (head && !prime) return new Uint8Array(0)
    if (start === end) return new Uint8Array(0)
    // a ready body (a Blob of stored leaves) has every block already: nothing to prime
    const ready = head ? undefined : await source.body?.(start, end)
    if (ready != null) return ready
    return prime
      ? primedStream(source.read(start, end), init.readAhead)
      : toReadableStream(source.read(start, end), init.readAhead)
  }

  if (ranges == null) {
    const headers = new Headers(init.headers)
    headers.set('Content-Length', String(size))
    return okResponse(await span(0, size), headers)
  }
  if (ranges.length === 1) {
    const [range] = ranges
    return rangeResponse(await span(range.start, range.end + 1), init.headers, range, size)
  }
  return multipart(source, ranges, init, prime, head)
}

/**
 * RFC 9110 §13.1.5: a Range with an If-Range that does not match (strong comparison
 * with the ETag; a date cannot be checked, there is no Last-Modified) gets the whole.
 */
function ifRangeHolds (request: Request, headers: Headers): boolean {
  const condition = request.headers.get('If-Range')
  if (condition == null) return true
  const etag = headers.get('ETag')
  return etag != null && !etag.startsWith('W/') && condition.trim() === etag
}

async function multipart (source: RangedSource, ranges: ByteRange[], init: RangedInit, prime: boolean, head: boolean): Promise<Response> {
  const boundary = `cafe-${Math.random().toString(16).slice(2)}${Math.random().toString(16).slice(2)}`
  const type = init.headers.get('Content-Type') ?? 'application/octet-stream'
  const heads = ranges.map((range, i) => encoder.encode(
    `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${type}\r\nContent-Range: ${contentRange(range, source.size)}\r\n\r\n`))
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`)
  const length = heads.reduce((n, h) => n + h.byteLength, 0) +
    ranges.reduce((n, r) => n + r.end - r.start + 1, 0) + tail.byteLength

  // each part's header goes out with its first bytes, so priming reaches content
  async function * parts (): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < ranges.length; i++) {
      let header: Uint8Array | undefined = heads[i]
      for await (const chunk of source.read(ranges[i].start, ranges[i].end + 1)) {
        if (header == null) {
          yield chunk
        } else {
          yield concatTwo(header, chunk)
          header = undefined
        }
      }
      if (header != null) yield header
    }
    yield tail
  }

  if (head && !prime) return multipartRangeResponse(new Uint8Array(0), init.headers, boundary, length)
  const body = prime ? await primedStream(parts(), init.readAhead) : toReadableStream(parts(), init.readAhead)
  return multipartRangeResponse(body, init.headers, boundary, length)
}

function concatTwo (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a, 0)
  out.set(b, a.byteLength)
  return out
}
