/**
 * The cafe's metrics as a component: a service registers counters, gauges and histograms by
 * name and updates them; the runtime decides how they are exported (the headless cafe: the
 * Prometheus text format at /metrics, src/headless/metrics.ts). Runtime-agnostic; without a
 * metrics component nothing is recorded (`noMetrics`).
 *
 * Label values must come from small fixed sets (a route's op, a status, a state), never from
 * clients' input: each distinct value is a series kept for the life of the process.
 */
export type MetricLabels = Record<string, string | number>

export interface MetricSpec {
  /** `cafe_<what>[_<unit>][_total]`, Prometheus style */
  name: string
  help: string
  labelNames?: readonly string[]
}

export interface CounterMetric {
  inc (labels?: MetricLabels, value?: number): void
}

export interface GaugeMetric {
  set (value: number, labels?: MetricLabels): void
  inc (labels?: MetricLabels, value?: number): void
  dec (labels?: MetricLabels, value?: number): void
}

export interface HistogramMetric {
  observe (value: number, labels?: MetricLabels): void
}

export interface GaugeSpec extends MetricSpec {
  /** called before each export to set the gauge from the source (counts kept elsewhere) */
  collect?(gauge: GaugeMetric): void | Promise<void>
}

export interface HistogramSpec extends MetricSpec {
  /** upper bounds of the buckets */
  buckets?: readonly number[]
}

export interface CafeMetrics {
  counter (spec: MetricSpec): CounterMetric
  gauge (spec: GaugeSpec): GaugeMetric
  histogram (spec: HistogramSpec): HistogramMetric
}

const nothing = { inc () {}, dec () {}, set () {}, observe () {} }

/** Records nothing: the default where no runtime exports metrics (the browser cafe). */
export const noMetrics: CafeMetrics = {
  counter: () => nothing,
  gauge: () => nothing,
  histogram: () => nothing
}
