/// <reference path="./chrome.d.ts" />
/**
 * Whether the extension takes over IPFS URLs (public gateways, `ipfs://` links). On by
 * default; the popup turns it off and on. The setting lives in chrome.storage.local, the
 * one place the popup, the service worker and every content script read; the service
 * worker turns it into dynamic declarativeNetRequest rules (dynamic, not static: a
 * redirect to `chrome-extension://<id>/ipfs/\1` needs the extension's id in the rule).
 */
import { redirectRules, RULE_IDS, type RedirectRule } from './ipfs-urls.ts'

export const REDIRECT_KEY = 'redirect'

/** The chrome.* calls it needs, passed in so it runs against a fake under Node. */
export interface RedirectionApi {
  origin: string
  get(key: string): Promise<Record<string, unknown>>
  set(items: Record<string, unknown>): Promise<void>
  updateDynamicRules(update: { removeRuleIds: number[], addRules: RedirectRule[] }): Promise<void>
}

export function chromeRedirectionApi (): RedirectionApi {
  return {
    origin: chrome.runtime.getURL('').replace(/\/$/, ''),
    get: async key => chrome.storage.local.get(key),
    set: async items => { await chrome.storage.local.set(items) },
    updateDynamicRules: async update => { await chrome.declarativeNetRequest.updateDynamicRules(update) }
  }
}

export async function redirectionEnabled (api: Pick<RedirectionApi, 'get'>): Promise<boolean> {
  return (await api.get(REDIRECT_KEY))[REDIRECT_KEY] !== false
}

/** Makes the rules match the stored setting (at start-up, and on every change). */
export async function applyRedirection (api: RedirectionApi): Promise<boolean> {
  const enabled = await redirectionEnabled(api)
  await api.updateDynamicRules({ removeRuleIds: RULE_IDS, addRules: enabled ? redirectRules(api.origin) : [] })
  return enabled
}

export async function setRedirection (api: RedirectionApi, enabled: boolean): Promise<void> {
  await api.set({ [REDIRECT_KEY]: enabled })
  await applyRedirection(api)
}
