/**
 * One account's pin requests as the list, usage and hasPin queries need them, kept in
 * memory in creation order: a page walks back from `before` and reads only the records
 * it returns, and the count needs no record decoded (except to match `meta`); a count by
 * status alone is kept, so such a page costs its own size.
 *
 * Usage counts live pins only: `pins` is the pinned requests, `pinBytes` the size of each
 * pinned DAG once, however many of the account's requests pin it (its blocks are stored once).
 */
import { parseCid } from './validate.ts'
import type { PinRecord, PinState } from './pin-status.ts'

export interface PinSummary {
  requestid: string
  created: number
  status: PinState
  /** the CID as v1, for the cid filter */
  cid: string
  name?: string
  hasMeta: boolean
  /** what the request counts against the account's storage: its DAG size once pinned */
  bytes: number
}

export function summarize (record: PinRecord): PinSummary {
  const summary: PinSummary = {
    requestid: record.requestid,
    created: record.created,
    status: record.status,
    cid: parseCid(record.cid).toV1().toString(),
    hasMeta: record.meta != null && Object.keys(record.meta).length > 0,
    bytes: record.status === 'pinned' ? record.size ?? 0 : 0
  }
  if (record.name != null) summary.name = record.name
  return summary
}

/** (created, requestid) ascending: the reverse of the list order */
function compare (a: PinSummary, b: PinSummary): number {
  return a.created - b.created || (a.requestid < b.requestid ? -1 : a.requestid > b.requestid ? 1 : 0)
}

export class AccountPins {
  /** oldest first */
  private readonly sorted: PinSummary[] = []
  private readonly byId = new Map<string, PinSummary>()
  /** pinned DAGs by (v1) CID: how many pinned requests hold each, and its size */
  private readonly pinned = new Map<string, { requests: number, bytes: number }>()
  /** requests by status: a page filtered by status alone is counted without a walk */
  private readonly statuses: Record<PinState, number> = { queued: 0, pinning: 0, pinned: 0, failed: 0 }
  /** pinned requests */
  pins = 0
  /** bytes of the distinct pinned DAGs */
  pinBytes = 0

  /** A loaded account: sorted once rather than inserted one by one. */
  static async from (records: AsyncIterable<PinRecord>): Promise<AccountPins> {
    const pins = new AccountPins()
    for await (const record of records) {
      const summary = summarize(record)
      pins.sorted.push(summary)
      pins.byId.set(summary.requestid, summary)
      pins.count(summary, 1)
    }
    pins.sorted.sort(compare)
    return pins
  }

  get size (): number {
    return this.sorted.length
  }

  set (record: PinRecord): void {
    this.delete(record.requestid)
    const summary = summarize(record)
    this.sorted.splice(this.indexOf(summary, compare), 0, summary)
    this.byId.set(summary.requestid, summary)
    this.count(summary, 1)
  }

  delete (requestid: string): void {
    const summary = this.byId.get(requestid)
    if (summary == null) return
    this.byId.delete(requestid)
    this.sorted.splice(this.indexOf(summary, compare), 1)
    this.count(summary, -1)
  }

  /** true if a pinned request of the account holds this (v1) CID: pinning it again adds no bytes */
  holdsDag (cid: string): boolean {
    return this.pinned.has(cid)
  }

  /** how many requests have one of these statuses */
  countWith (statuses: readonly PinState[]): number {
    let count = 0
    for (const status of new Set(statuses)) count += this.statuses[status]
    return count
  }

  private count (summary: PinSummary, sign: 1 | -1): void {
    this.statuses[summary.status] += sign
    if (summary.status !== 'pinned') return
    this.pins += sign
    const dag = this.pinned.get(summary.cid)
    if (sign > 0) {
      if (dag != null) dag.requests++
      else {
        this.pinned.set(summary.cid, { requests: 1, bytes: summary.bytes })
        this.pinBytes += summary.bytes
      }
    } else if (dag != null && --dag.requests === 0) {
      this.pinned.delete(summary.cid)
      this.pinBytes -= dag.bytes
    }
  }

  /** Newest first, created strictly between `after` and `before` when given. */
  * newestFirst (range: { before?: number, after?: number } = {}): Generator<PinSummary> {
    const { before, after } = range
    let i = before == null ? this.sorted.length : this.indexOf({ created: before }, (a, b) => a.created - b.created)
    while (--i >= 0) {
      const summary = this.sorted[i]
      if (after != null && summary.created <= after) return
      yield summary
    }
  }

  /** true if some request for this (v1) CID is not failed */
  has (cid: string): boolean {
    for (const summary of this.sorted) {
      if (summary.cid === cid && summary.status !== 'failed') return true
    }
    return false
  }

  /** The first position whose entry is not below `probe` (binary search). */
  private indexOf <T> (probe: T, by: (a: PinSummary, b: T) => number): number {
    let low = 0
    let high = this.sorted.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (by(this.sorted[mid], probe) < 0) low = mid + 1
      else high = mid
    }
    return low
  }
}
