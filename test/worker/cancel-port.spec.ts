import { describe, expect, it } from 'vitest'
import { cancelReceiver, cancelSender } from '../../src/worker/cancel-port.ts'

const sleep = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

describe('an abort carried across a MessagePort (Service Worker to SharedWorker)', () => {
  it('the SharedWorker\'s signal aborts when the page\'s fetch is aborted', async () => {
    const page = new AbortController()
    const sender = cancelSender(page.signal)
    const receiver = cancelReceiver(sender.port)
    await sleep(10)
    expect(receiver.signal.aborted).toBe(false)
    page.abort()
    await sleep(20)
    expect(receiver.signal.aborted).toBe(true)
    expect((receiver.signal.reason as Error).name).toBe('AbortError')
    sender.done()
    receiver.done()
  })

  it('an abort before the call arrives still reaches it', async () => {
    const page = new AbortController()
    page.abort()
    const sender = cancelSender(page.signal)
    await sleep(10)
    const receiver = cancelReceiver(sender.port)
    await sleep(20)
    expect(receiver.signal.aborted).toBe(true)
    sender.done()
    receiver.done()
  })

  it('once the call settled, a later abort is not sent, and a call without a port never aborts', async () => {
    const page = new AbortController()
    const sender = cancelSender(page.signal)
    const receiver = cancelReceiver(sender.port)
    sender.done()
    receiver.done()
    page.abort()
    await sleep(20)
    expect(receiver.signal.aborted).toBe(false)
    expect(cancelReceiver(undefined).signal.aborted).toBe(false)
  })
})
