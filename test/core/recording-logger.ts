import type { ComponentLogger, Logger } from '@libp2p/interface'

/** A logger that keeps every line it is given (to check what is, and is never, logged). */
export function recordingLogger (lines: unknown[][]): ComponentLogger {
  const make = (): Logger => Object.assign((...args: unknown[]) => { lines.push(args) }, {
    error: (...args: unknown[]) => { lines.push(args) },
    trace: (...args: unknown[]) => { lines.push(args) },
    enabled: true,
    newScope: () => make()
  })
  return { forComponent: () => make() }
}
