/** A remote Pinning Service in memory, behind an injected `fetch`, for the replication tests. */
import type { CID } from 'multiformats/cid'

export const TOKEN = 'secret-token-that-must-never-show'

export interface RemotePin { requestid: string, cid: string, origins: string[], meta?: Record<string, string>, status: string, gets: number }

/**
 * A Pinning Service in memory behind `fetch`: a pin is queued, then pinning, then pinned on the
 * following GETs (or `failPins` of them fail); `mode` makes it refuse connections or hang.
 */
export class FakeRemote {
  mode: 'up' | 'down' | 'hang' = 'up'
  failPins = 0
  readonly pins = new Map<string, RemotePin>()
  readonly calls: Array<{ method: string, path: string, at: number, auth: string | null }> = []
  private next = 0

  readonly fetch = async (input: string, init: RequestInit): Promise<Response> => {
    const url = new URL(input)
    const method = init.method ?? 'GET'
    this.calls.push({ method, path: url.pathname, at: performance.now(), auth: new Headers(init.headers).get('authorization') })
    if (this.mode === 'down') throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })
    if (this.mode === 'hang') {
      return new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => { reject(init.signal?.reason) }, { once: true })
      })
    }
    if (new Headers(init.headers).get('authorization') !== `Bearer ${TOKEN}`) return json(401, { error: { reason: 'UNAUTHORIZED', details: 'bad token' } })
    const id = url.pathname.split('/pins/')[1]
    if (method === 'POST' && id == null) {
      const pin = JSON.parse(init.body as string)
      const status = this.failPins > 0 ? 'failed' : 'queued'
      if (this.failPins > 0) this.failPins--
      const record = { requestid: `r${this.next++}`, cid: pin.cid, origins: pin.origins, meta: pin.meta, status, gets: 0 }
      this.pins.set(record.requestid, record)
      return json(202, this.status(record))
    }
    if (method === 'GET' && id == null) {
      const results = [...this.pins.values()].filter(pin => pin.cid === url.searchParams.get('cid')).reverse().map(pin => this.status(pin))
      return json(200, { count: results.length, results })
    }
    const record = id == null ? undefined : this.pins.get(id)
    if (record == null) return json(404, { error: { reason: 'NOT_FOUND', details: 'no such pin request' } })
    if (method === 'DELETE') {
      this.pins.delete(record.requestid)
      return new Response(null, { status: 202 })
    }
    record.gets++
    if (record.status === 'queued') record.status = 'pinning'
    else if (record.status === 'pinning') record.status = 'pinned'
    return json(200, this.status(record))
  }

  status (record: RemotePin): unknown {
    const info = record.status === 'failed' ? { reason: 'UNAVAILABLE', status_details: 'no provider' } : {}
    return { requestid: record.requestid, status: record.status, created: new Date().toISOString(), pin: { cid: record.cid, origins: record.origins, meta: record.meta }, delegates: ['/ip4/127.0.0.1/tcp/9999/p2p/remote'], info }
  }

  pinsOf (cid: CID): RemotePin[] {
    return [...this.pins.values()].filter(pin => pin.cid === cid.toString())
  }
}

function json (status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

