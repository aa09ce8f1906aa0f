import { describe, expect, it } from 'vitest'
import { clientSignal } from '../../src/sw/client-signal.ts'

const sleep = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

describe('the Service Worker stops working for a page that is gone', () => {
  it('aborts once the page that asked is closed', async () => {
    const open = new Set(['page-1'])
    const watch = clientSignal({ get: async id => open.has(id) ? {} : undefined }, 'page-1', { signal: new AbortController().signal }, 10)
    await sleep(40)
    expect(watch.signal.aborted).toBe(false)
    open.delete('page-1')
    await sleep(40)
    expect(watch.signal.aborted).toBe(true)
    expect((watch.signal.reason as Error).name).toBe('AbortError')
  })

  it('aborts when the fetch itself is aborted, where the browser says so', () => {
    const request = new AbortController()
    const watch = clientSignal({ get: async () => ({}) }, 'page-1', { signal: request.signal }, 10)
    request.abort()
    expect(watch.signal.aborted).toBe(true)
  })

  it('stops looking once the answer is handed over, and never aborts after that', async () => {
    let lookups = 0
    const request = new AbortController()
    const watch = clientSignal({ get: async () => { lookups++; return undefined } }, 'page-1', { signal: request.signal }, 10)
    watch.done()
    await sleep(40)
    request.abort()
    expect(lookups).toBe(0)
    expect(watch.signal.aborted).toBe(false)
  })

  it('watches only the request for a navigation, which has no client yet', async () => {
    let lookups = 0
    const watch = clientSignal({ get: async () => { lookups++; return undefined } }, '', { signal: new AbortController().signal }, 10)
    await sleep(40)
    expect(lookups).toBe(0)
    expect(watch.signal.aborted).toBe(false)
    watch.done()
  })
})
