import { describe, expect, it, vi } from 'vitest'
import { periodic } from '../../../src/core/util/periodic.ts'
import type { Logger } from '@libp2p/interface'

function fakeLog (): Logger & { errors: unknown[][] } {
  const errors: unknown[][] = []
  return Object.assign(() => {}, { errors, error: (...args: unknown[]) => { errors.push(args) }, trace: () => {}, enabled: false, newScope: () => fakeLog() }) as unknown as Logger & { errors: unknown[][] }
}

describe('a periodic sweep', () => {
  it('runs every interval between start and stop, once however often it is started', async () => {
    vi.useFakeTimers()
    try {
      let runs = 0
      const sweep = periodic(async () => { runs++ }, 1_000, fakeLog(), 'sweep')
      sweep.start()
      sweep.start()
      await vi.advanceTimersByTimeAsync(3_500)
      expect(runs).toBe(3)
      sweep.stop()
      await vi.advanceTimersByTimeAsync(5_000)
      expect(runs).toBe(3)
    } finally { vi.useRealTimers() }
  })

  it('logs a failing run and keeps going; an interval of 0 leaves it off', async () => {
    vi.useFakeTimers()
    try {
      const log = fakeLog()
      let runs = 0
      const failing = periodic(async () => { runs++; throw new Error('disk gone') }, 1_000, log, 'sweep')
      failing.start()
      await vi.advanceTimersByTimeAsync(2_500)
      failing.stop()
      expect(runs).toBe(2)
      expect(log.errors).toHaveLength(2)
      expect(log.errors[0][0]).toBe('%s failed - %e')

      let offRuns = 0
      const off = periodic(async () => { offRuns++ }, 0, log, 'sweep')
      off.start()
      await vi.advanceTimersByTimeAsync(10_000)
      expect(offRuns).toBe(0)
    } finally { vi.useRealTimers() }
  })
})
