/**
 * A task run every `intervalMs` between start() and stop() (a sweep of expired data). A
 * failing run is logged, never thrown: the timer has no caller to report to. An interval
 * of 0 or less leaves the timer off (the task can still be called directly).
 */
import type { Logger } from '@libp2p/interface'

export interface Periodic {
  start(): void
  stop(): void
}

export function periodic (task: () => Promise<unknown>, intervalMs: number, log: Logger, what: string): Periodic {
  let timer: ReturnType<typeof setInterval> | undefined
  return {
    start () {
      if (timer != null || intervalMs <= 0) return
      timer = setInterval(() => {
        task().catch(err => { log.error('%s failed - %e', what, err) })
      }, intervalMs)
    },
    stop () {
      clearInterval(timer)
      timer = undefined
    }
  }
}
