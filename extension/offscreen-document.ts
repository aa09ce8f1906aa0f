/// <reference path="./chrome.d.ts" />
/**
 * Keeps the one offscreen document that runs the cafe. An extension may have only one;
 * the service worker that asks may be a fresh instance (Chrome stops it when idle), so
 * it looks for the document before creating it and shares one creation between callers.
 */
export const OFFSCREEN_PATH = 'offscreen.html'

/** The chrome.* calls it needs, passed in so it runs against a fake under Node. */
export interface OffscreenApi {
  getURL(path: string): string
  getContexts(filter: chrome.runtime.ContextFilter): Promise<chrome.runtime.ExtensionContext[]>
  createDocument(parameters: chrome.offscreen.CreateParameters): Promise<void>
}

export const OFFSCREEN_PARAMETERS = {
  reasons: ['WEB_RTC'] as chrome.offscreen.Reason[],
  justification: 'Runs the cafe peer: a libp2p node that answers other peers over WebRTC and relays, with its data in IndexedDB.'
}

export interface OffscreenKeeper {
  /** resolves once the document exists; true when this call created it */
  ensure(): Promise<boolean>
}

export function chromeOffscreenApi (): OffscreenApi {
  return {
    getURL: path => chrome.runtime.getURL(path),
    getContexts: async filter => chrome.runtime.getContexts(filter),
    createDocument: async parameters => { await chrome.offscreen.createDocument(parameters) }
  }
}

export function createOffscreenKeeper (api: OffscreenApi): OffscreenKeeper {
  const url = api.getURL(OFFSCREEN_PATH)
  let creating: Promise<boolean> | undefined

  const exists = async (): Promise<boolean> => {
    const contexts = await api.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'], documentUrls: [url] })
    return contexts.length > 0
  }

  const create = async (): Promise<boolean> => {
    if (await exists()) return false
    try {
      await api.createDocument({ url, ...OFFSCREEN_PARAMETERS })
      return true
    } catch (err) {
      // another instance of the service worker created it between our look and our call
      if (await exists()) return false
      throw err
    }
  }

  return {
    async ensure () {
      creating ??= create().finally(() => { creating = undefined })
      return creating
    }
  }
}
