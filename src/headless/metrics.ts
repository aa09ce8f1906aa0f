/**
 * The headless cafe's metrics in the Prometheus text format, with prom-client (Node only; the
 * services record through the runtime-agnostic `CafeMetrics` of src/core/metrics.ts). Besides what
 * the services register (pins by status, the pin queue, replication when configured), this adds
 * what only the host sees: HTTP requests by registry op and status, bytes the gateway served,
 * accounts' quota use and inboxes, libp2p connections by transport, relay reservations, and
 * prom-client's process metrics (CPU, memory, event loop lag).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { ServedRequest } from './http-server.ts'
import type { Cafe } from '../core/cafe.ts'
import type { CafeMetrics, GaugeMetric, GaugeSpec, HistogramSpec, MetricLabels, MetricSpec } from '../core/metrics.ts'
import type { ReservationKeeper } from '../node/reservations.ts'
import type { Libp2p, Logger } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface PrometheusMetrics extends CafeMetrics {
  readonly registry: Registry
  /** `text/plain; version=0.0.4; charset=utf-8` */
  readonly contentType: string
  /** the exposition text, every collect run first */
  text (): Promise<string>
}

const labelsOf = (labels?: MetricLabels): Record<string, string | number> => labels ?? {}

class PromClientMetrics implements PrometheusMetrics {
  readonly registry = new Registry()
  private readonly log?: Logger

  constructor (log?: Logger) {
    this.log = log
  }

  get contentType (): string {
    return this.registry.contentType
  }

  counter (spec: MetricSpec): { inc (labels?: MetricLabels, value?: number): void } {
    const counter = new Counter({ name: spec.name, help: spec.help, labelNames: [...spec.labelNames ?? []], registers: [this.registry] })
    return { inc: (labels, value = 1) => { counter.inc(labelsOf(labels), value) } }
  }

  gauge (spec: GaugeSpec): GaugeMetric {
    const log = this.log
    let wrapped: GaugeMetric | undefined
    const gauge: Gauge = new Gauge({
      name: spec.name,
      help: spec.help,
      labelNames: [...spec.labelNames ?? []],
      registers: [this.registry],
      // a source that fails leaves the last values: one broken collector must not fail the scrape
      collect: spec.collect == null ? undefined : async () => { try { await spec.collect?.(wrapped as GaugeMetric) } catch (err) { log?.error('collecting %s failed - %e', spec.name, err) } }
    })
    wrapped = {
      set: (value, labels) => { gauge.set(labelsOf(labels), value) },
      inc: (labels, value = 1) => { gauge.inc(labelsOf(labels), value) },
      dec: (labels, value = 1) => { gauge.dec(labelsOf(labels), value) }
    }
    return wrapped
  }

  histogram (spec: HistogramSpec): { observe (value: number, labels?: MetricLabels): void } {
    const histogram = new Histogram({
      name: spec.name,
      help: spec.help,
      labelNames: [...spec.labelNames ?? []],
      registers: [this.registry],
      ...(spec.buckets != null ? { buckets: [...spec.buckets] } : {})
    })
    return { observe: (value, labels) => { histogram.observe(labelsOf(labels), value) } }
  }

  async text (): Promise<string> {
    return this.registry.metrics()
  }
}

/** A registry with prom-client's process metrics; the cafe's services and the host add theirs. */
export function createPrometheusMetrics (init: { log?: Logger, processMetrics?: boolean } = {}): PrometheusMetrics {
  const metrics = new PromClientMetrics(init.log)
  if (init.processMetrics !== false) collectDefaultMetrics({ register: metrics.registry })
  return metrics
}

/** The paths the host serves besides the registry, as the route label of requests. */
export type HostRoute = 'gateway' | 'metrics' | 'healthz' | 'readyz'

/** A label from a small fixed set for every request: the registry's op, a host route, or `unmatched`. */
export function routeLabel (cafe: Pick<Cafe, 'http'>, method: string, pathname: string): string {
  if (pathname.startsWith('/ipfs/') || pathname.startsWith('/ipns/')) return 'gateway'
  if (pathname === '/metrics' || pathname === '/healthz' || pathname === '/readyz') return pathname.slice(1)
  if (pathname.startsWith('/api/') || pathname.startsWith('/routing/')) return cafe.http.routeOf(method === 'HEAD' ? 'GET' : method, pathname) ?? 'unmatched'
  return 'unmatched'
}

/** tcp, websockets, webrtc, circuit-relay (a relayed connection) or other, from a connection's remote address. */
export function transportOf (address: Multiaddr): string {
  const names = address.getComponents().map(component => component.name)
  if (names.includes('p2p-circuit')) return 'circuit-relay'
  if (names.includes('webrtc') || names.includes('webrtc-direct')) return 'webrtc'
  if (names.includes('ws') || names.includes('wss')) return 'websockets'
  if (names.includes('webtransport')) return 'webtransport'
  if (names.includes('tcp')) return 'tcp'
  return 'other'
}

export interface HostMetricsComponents {
  cafe: Pick<Cafe, 'http' | 'owner'>
  libp2p: Pick<Libp2p, 'getConnections'>
  reservations?: Pick<ReservationKeeper, 'status'>
}

export interface HostMetrics {
  /** the HTTP server's `onServed` */
  served (request: ServedRequest): void
}

/** Registers the host's own metrics on `metrics`. */
export function registerHostMetrics (metrics: CafeMetrics, components: HostMetricsComponents): HostMetrics {
  const { cafe, libp2p, reservations } = components
  const requests = metrics.counter({ name: 'cafe_http_requests_total', help: 'HTTP requests by route (the registry\'s op, gateway, metrics, healthz, readyz or unmatched) and status (0: the client left before an answer)', labelNames: ['route', 'status'] })
  const durations = metrics.histogram({ name: 'cafe_http_request_duration_seconds', help: 'HTTP requests from their headers to the end of the answer, by route', labelNames: ['route'], buckets: [0.005, 0.025, 0.1, 0.5, 2, 10, 60] })
  const gatewayBytes = metrics.counter({ name: 'cafe_gateway_bytes_total', help: 'body bytes the gateway sent (/ipfs/ and /ipns/)' })

  metrics.gauge({
    name: 'cafe_libp2p_connections',
    help: 'open libp2p connections by transport and direction',
    labelNames: ['transport', 'direction'],
    collect: gauge => {
      const counts = new Map<string, { transport: string, direction: string, count: number }>()
      for (const transport of ['tcp', 'websockets', 'webrtc', 'circuit-relay']) {
        for (const direction of ['inbound', 'outbound']) counts.set(`${transport}/${direction}`, { transport, direction, count: 0 })
      }
      for (const connection of libp2p.getConnections()) {
        const transport = transportOf(connection.remoteAddr)
        const key = `${transport}/${connection.direction}`
        const entry = counts.get(key) ?? { transport, direction: connection.direction, count: 0 }
        entry.count++
        counts.set(key, entry)
      }
      for (const { transport, direction, count } of counts.values()) gauge.set(count, { transport, direction })
    }
  })
  metrics.gauge({
    name: 'cafe_relay_reserved',
    help: '1 while the cafe holds a reservation on the configured relay (by relay peer id), else 0',
    labelNames: ['relay'],
    collect: gauge => {
      for (const relay of reservations?.status() ?? []) gauge.set(relay.reserved ? 1 : 0, { relay: relay.relayPeer.toString() })
    }
  })

  // one pass over the accounts serves the five gauges of a scrape (prom-client collects them at once)
  let accounts: Promise<Record<string, number>> | undefined
  const totals = async (): Promise<Record<string, number>> => {
    accounts ??= (async () => {
      const sums = { accounts: 0, storageUsed: 0, storageQuota: 0, inboxMessages: 0, inboxBytes: 0 }
      for (const client of await cafe.owner.listClients()) {
        sums.accounts++
        sums.storageUsed += client.usage.storageBytes ?? 0
        sums.storageQuota += client.quota.storageBytes
        sums.inboxMessages += client.usage.inboxMessages ?? 0
        sums.inboxBytes += client.usage.inboxBytes ?? 0
      }
      return sums
    })().finally(() => { accounts = undefined })
    return accounts
  }
  const total = (name: string, help: string, key: string): void => {
    metrics.gauge({ name, help, collect: async gauge => { gauge.set((await totals())[key]) } })
  }
  total('cafe_accounts', 'registered accounts', 'accounts')
  total('cafe_storage_used_bytes', 'storage every account uses (pins and snapshots), summed', 'storageUsed')
  total('cafe_storage_quota_bytes', 'storage quotas of every account, summed', 'storageQuota')
  total('cafe_inbox_messages', 'messages waiting in every inbox', 'inboxMessages')
  total('cafe_inbox_bytes', 'bytes of the messages waiting in every inbox', 'inboxBytes')

  return {
    served ({ method, pathname, status, bytes, seconds }) {
      const route = routeLabel(cafe, method, pathname)
      requests.inc({ route, status })
      durations.observe(seconds, { route })
      if (route === 'gateway') gatewayBytes.inc(undefined, bytes)
    }
  }
}
