import { describe, expect, it } from 'vitest'
import { createOffscreenKeeper, OFFSCREEN_PARAMETERS, type OffscreenApi } from '../../extension/offscreen-document.ts'

const EXTENSION = 'chrome-extension://abcdefghijklmnop/'

/** chrome.runtime/chrome.offscreen as Chrome behaves: one offscreen document at most. */
function fakeChrome (options: { failCreate?: Error } = {}): OffscreenApi & { documents: string[], creates: number, lookups: number } {
  const fake = {
    documents: [] as string[],
    creates: 0,
    lookups: 0,
    getURL: (path: string) => EXTENSION + path,
    async getContexts (filter: chrome.runtime.ContextFilter) {
      fake.lookups++
      await Promise.resolve()
      return fake.documents
        .filter(url => filter.documentUrls == null || filter.documentUrls.includes(url))
        .map(documentUrl => ({ contextType: 'OFFSCREEN_DOCUMENT' as const, documentUrl }))
    },
    async createDocument ({ url, reasons, justification }: chrome.offscreen.CreateParameters) {
      fake.creates++
      await new Promise(resolve => setTimeout(resolve, 5))
      if (options.failCreate != null) throw options.failCreate
      if (reasons.length === 0 || justification === '') throw new TypeError('a reason and a justification are required')
      if (fake.documents.length > 0) throw new Error('Only a single offscreen document may be created.')
      fake.documents.push(url)
    }
  }
  return fake
}

describe('the offscreen document keeper', () => {
  it('creates the cafe document once, with the WebRTC reason, and finds it the next time', async () => {
    const chrome = fakeChrome()
    const keeper = createOffscreenKeeper(chrome)
    expect(await keeper.ensure()).toBe(true)
    expect(chrome.documents).toEqual([`${EXTENSION}offscreen.html`])
    expect(OFFSCREEN_PARAMETERS.reasons).toEqual(['WEB_RTC'])
    expect(await keeper.ensure()).toBe(false)
    expect(chrome.creates).toBe(1)
  })

  it('shares one creation between callers that ask at once (install, start-up and a page)', async () => {
    const chrome = fakeChrome()
    const keeper = createOffscreenKeeper(chrome)
    const created = await Promise.all([keeper.ensure(), keeper.ensure(), keeper.ensure()])
    expect(created).toEqual([true, true, true])
    expect(chrome.creates).toBe(1)
  })

  it('creates the document again when it is gone', async () => {
    const chrome = fakeChrome()
    const keeper = createOffscreenKeeper(chrome)
    await keeper.ensure()
    chrome.documents.length = 0
    expect(await keeper.ensure()).toBe(true)
    expect(chrome.documents).toHaveLength(1)
    expect(chrome.creates).toBe(2)
  })

  it('accepts a document another service worker instance created between its look and its call', async () => {
    const chrome = fakeChrome()
    const first = createOffscreenKeeper(chrome)
    const second = createOffscreenKeeper(chrome)
    const results = await Promise.all([first.ensure(), second.ensure()])
    expect(results.sort()).toEqual([false, true])
    expect(chrome.documents).toHaveLength(1)
  })

  it('passes on a failure that left no document, and tries again on the next call', async () => {
    const failure = new Error('Offscreen documents are not allowed')
    const chrome = fakeChrome({ failCreate: failure })
    const keeper = createOffscreenKeeper(chrome)
    await expect(keeper.ensure()).rejects.toBe(failure)
    await expect(keeper.ensure()).rejects.toBe(failure)
    expect(chrome.creates).toBe(2)
  })
})
