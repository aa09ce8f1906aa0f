/**
 * `/metrics` (Prometheus text), `/healthz` (the process answers) and `/readyz` (stores open,
 * libp2p started, services running; 503 before and while stopping) for an operator's tools.
 * On the cafe's own HTTP port they take the owner secret like the owner routes; on a separate
 * metrics address (`metrics.listen`) they are open, and the address is the guard.
 */
import { constantTimeEqual } from '../core/accounts/crypto.ts'
import { bearer } from '../core/api/http.ts'
import { jsonError } from './http-server.ts'
import type { PrometheusMetrics } from './metrics.ts'

/** Named checks that are true once that part of the cafe is up. */
export type ReadinessChecks = Record<string, () => boolean>

export interface ObservabilityInit {
  metrics: PrometheusMetrics
  ready: ReadinessChecks
  /** the Bearer secret these paths take; absent: open (a separate, private address) */
  secret?: string
}

export const OBSERVABILITY_PATHS = ['/metrics', '/healthz', '/readyz']

function json (status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } })
}

/** The handler of the three paths; undefined for any other path. */
export function observabilityRoutes (init: ObservabilityInit) {
  return async (request: Request): Promise<Response | undefined> => {
    const { pathname } = new URL(request.url)
    if (!OBSERVABILITY_PATHS.includes(pathname)) return undefined
    if (request.method !== 'GET' && request.method !== 'HEAD') return jsonError(405, 'METHOD_NOT_ALLOWED', 'use GET', { allow: 'GET' })
    if (init.secret != null && !constantTimeEqual(bearer(request) ?? '', init.secret)) {
      return jsonError(401, 'OWNER_SECRET_INVALID', `${pathname} needs the owner secret here (or a separate metrics address)`)
    }
    if (pathname === '/healthz') return json(200, { alive: true })
    if (pathname === '/readyz') {
      const checks = Object.fromEntries(Object.entries(init.ready).map(([name, check]) => [name, check()]))
      const ready = Object.values(checks).every(Boolean)
      return json(ready ? 200 : 503, { ready, checks })
    }
    return new Response(await init.metrics.text(), { status: 200, headers: { 'content-type': init.metrics.contentType, 'cache-control': 'no-store' } })
  }
}
