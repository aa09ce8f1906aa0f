/** Registers the cafe's Service Worker (the gateway and the HTTP API) for the whole origin. */
export const SERVICE_WORKER_URL = import.meta.env.DEV ? '/src/sw/sw.ts' : '/sw.js'

export async function registerServiceWorker (): Promise<ServiceWorkerRegistration> {
  return navigator.serviceWorker.register(SERVICE_WORKER_URL, { type: 'module', scope: '/' })
}

/** Resolves once a Service Worker controls this page (at once if one already does). */
export async function serviceWorkerControls (): Promise<void> {
  if (navigator.serviceWorker.controller != null) return
  await new Promise<void>(resolve => navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }))
}
