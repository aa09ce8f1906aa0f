import { describe, expect, it } from 'vitest'
import { RULE_IDS, type RedirectRule } from '../../extension/ipfs-urls.ts'
import { applyRedirection, redirectionEnabled, setRedirection, type RedirectionApi } from '../../extension/redirection.ts'

/** chrome.storage.local and the dynamic rules, as Chrome keeps them. */
function fakeChrome (): RedirectionApi & { rules: Map<number, RedirectRule> } {
  const stored: Record<string, unknown> = {}
  const rules = new Map<number, RedirectRule>()
  return {
    rules,
    origin: 'chrome-extension://abcdefghijklmnop',
    get: async key => key in stored ? { [key]: stored[key] } : {},
    set: async items => { Object.assign(stored, items) },
    async updateDynamicRules ({ removeRuleIds, addRules }) {
      for (const id of removeRuleIds) rules.delete(id)
      for (const rule of addRules) {
        if (rules.has(rule.id)) throw new Error(`Rule with id ${rule.id} already exists`)
        rules.set(rule.id, rule)
      }
    }
  }
}

describe('the popup\'s redirection switch', () => {
  it('is on for a new install, and its rules go in once however often they are applied', async () => {
    const chrome = fakeChrome()
    expect(await redirectionEnabled(chrome)).toBe(true)
    expect(await applyRedirection(chrome)).toBe(true)
    expect(await applyRedirection(chrome)).toBe(true)
    expect([...chrome.rules.keys()]).toEqual(RULE_IDS)
    expect(JSON.stringify([...chrome.rules.values()])).toContain('chrome-extension://abcdefghijklmnop/ipfs/')
  })

  it('turned off removes every rule and is remembered; on again puts them back', async () => {
    const chrome = fakeChrome()
    await applyRedirection(chrome)
    await setRedirection(chrome, false)
    expect(chrome.rules.size).toBe(0)
    expect(await redirectionEnabled(chrome)).toBe(false)
    // a browser restart applies the stored setting
    expect(await applyRedirection(chrome)).toBe(false)
    expect(chrome.rules.size).toBe(0)
    await setRedirection(chrome, true)
    expect([...chrome.rules.keys()]).toEqual(RULE_IDS)
  })
})
