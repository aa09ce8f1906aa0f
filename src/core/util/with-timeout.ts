import { raceSignal } from 'race-signal'

/**
 * Settles as `work` does, or rejects with `onTimeout()` once `ms` have passed, or with the
 * signal's reason once it aborts. `work` itself is not stopped: pass it the signal too.
 */
export async function withTimeout <T> (work: Promise<T>, ms: number, onTimeout: () => Error, signal?: AbortSignal): Promise<T> {
  const timeout = AbortSignal.timeout(ms)
  return raceSignal(work, signal == null ? timeout : AbortSignal.any([signal, timeout]), {
    translateError: () => signal?.aborted === true ? signal.reason : onTimeout()
  })
}
