import { WebSocket } from 'ws'

/**
 * Node 20 lacks `Promise.withResolvers`, which libp2p and Helia call, `Map.groupBy`,
 * and a global `WebSocket`, which @libp2p/websockets dials with (it listens with `ws`).
 * Import this module before them (`node --import`, vitest's config and `setupFiles`);
 * a no-op on newer runtimes.
 */
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T> () {
      let resolve!: (value: T | PromiseLike<T>) => void
      let reject!: (reason?: unknown) => void
      const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
      return { promise, resolve, reject }
    }
  })
}

// vitest 5 groups its failure report with Map.groupBy (Node 21+)
if (typeof (Map as any).groupBy !== 'function') {
  Object.defineProperty(Map, 'groupBy', {
    configurable: true,
    writable: true,
    value: function groupBy<K, T> (items: Iterable<T>, key: (item: T, index: number) => K): Map<K, T[]> {
      const groups = new Map<K, T[]>()
      let index = 0
      for (const item of items) {
        const k = key(item, index++)
        const group = groups.get(k)
        if (group == null) groups.set(k, [item])
        else group.push(item)
      }
      return groups
    }
  })
}

if (typeof (globalThis as any).WebSocket !== 'function') {
  Object.defineProperty(globalThis, 'WebSocket', { configurable: true, writable: true, value: WebSocket })
}

