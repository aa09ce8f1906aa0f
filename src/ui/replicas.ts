/**
 * A pin's copies on remote Pinning Services (`info.replicas`), one line for pin lists: each
 * remote's name and status, with why it failed and when it is tried again.
 */
import { h } from './dom.ts'
import type { PinStatus, ReplicaStatus } from '../core/pinning/index.ts'

function replicaText (replica: ReplicaStatus): string {
  const retry = replica.retryAt == null ? '' : `, again at ${new Date(replica.retryAt).toLocaleTimeString()}`
  return `${replica.name} ${replica.status}${replica.error == null ? '' : ` (${replica.error}${retry})`}`
}

/** Nothing when the cafe does not replicate (or the pin is not pinned here). */
export function replicaLine (pin: PinStatus): HTMLElement | false {
  const replicas = pin.info?.replicas
  if (!Array.isArray(replicas)) return false
  return h('div', { class: 'muted', 'data-testid': 'pin-replicas' },
    'replicas: ',
    ...(replicas.length === 0
      ? ['none yet']
      : replicas.flatMap((replica, i) => [i > 0 && ' · ', h('span', { 'data-replica': replica.name, 'data-status': replica.status, title: replica.updated }, replicaText(replica))])))
}
