/**
 * When to stop working for a fetch the Service Worker answers. The page's own abort
 * reaches `request.signal` where the browser forwards it, but Chromium (156) does not
 * while the answer is still pending, and never when the page or frame that asked is
 * closed. So besides `request.signal`, the client is looked up every `intervalMs` while
 * the answer is pending: once it is gone, the signal aborts and the SharedWorker stops
 * its work (network fetches, API handlers). A streamed body is not watched here: the
 * browser cancels it when its reader goes away.
 */

export interface ClientLookup {
  /** the client by id, or undefined once it is closed (`Clients.get`) */
  get(id: string): Promise<unknown>
}

export interface ClientSignal {
  signal: AbortSignal
  /** stop watching; call once the answer is handed over */
  done(): void
}

export function clientSignal (clients: ClientLookup, clientId: string, request: Pick<Request, 'signal'>, intervalMs = 1_000): ClientSignal {
  const controller = new AbortController()
  const onAbort = (): void => { controller.abort(request.signal.reason ?? new DOMException('the fetch was aborted', 'AbortError')) }
  let timer: ReturnType<typeof setInterval> | undefined
  const done = (): void => {
    clearInterval(timer)
    request.signal.removeEventListener('abort', onAbort)
  }
  controller.signal.addEventListener('abort', done, { once: true })
  if (request.signal.aborted) onAbort()
  else request.signal.addEventListener('abort', onAbort, { once: true })
  // a navigation has no client yet: nothing to watch but the request
  if (clientId !== '' && !controller.signal.aborted) {
    timer = setInterval(() => {
      clients.get(clientId).then(client => {
        if (client == null) controller.abort(new DOMException('the page that asked is gone', 'AbortError'))
      }, () => {})
    }, intervalMs)
  }
  return { signal: controller.signal, done }
}
