/** Small helpers the Node benchmarks share: rates, percentiles, and printing one JSON line. */
export async function ratePerSecond (count: number, work: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < count; i++) await work(i)
  return count / ((performance.now() - started) / 1000)
}

export function percentile (samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))]
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median (samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** scripts/bench.mjs reads the last line of a benchmark's stdout as its results. */
export function report (results: Record<string, Record<string, number>>): void {
  console.log(JSON.stringify(results))
}

/** A pronounceable, unique directory name for contact `i` (the same `i` gives the same name in every run). */
export function randomName (i: number): string {
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'ze', 'an', 'el', 'or']
  let name = ''
  let n = i * 2654435761 >>> 0
  for (let s = 0; s < 4; s++) { name += syllables[n % syllables.length]; n = Math.floor(n / syllables.length) }
  return `${name}${i}`
}
