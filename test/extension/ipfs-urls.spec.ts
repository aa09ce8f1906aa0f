import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ipfsUriToPath, openUrl, PATH_GATEWAYS, redirectRules, RULE_IDS, SUBDOMAIN_GATEWAYS, toGatewayPath } from '../../extension/ipfs-urls.ts'

const CID = 'bafkreiemqpndzewx4bioklzfvhtiegsfny5fxuc3nkjk2vmcpjxiammsti'
const V0 = 'QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn'
const ORIGIN = 'chrome-extension://abcdefghijklmnop'

/** What Chromium does with a redirect rule: RE2 there, the same pattern in JavaScript here. */
function applyRules (url: string, types: string[] = ['main_frame']): { action: 'redirect' | 'block', to?: string } | undefined {
  for (const rule of redirectRules(ORIGIN)) {
    if (!rule.condition.resourceTypes.some(type => types.includes(type))) continue
    const match = new RegExp(rule.condition.regexFilter, 'i').exec(url)
    if (match == null) continue
    if (rule.action.type === 'block') return { action: 'block' }
    return { action: 'redirect', to: rule.action.redirect.regexSubstitution.replace(/\\(\d)/g, (_, n: string) => match[Number(n)] ?? '') }
  }
  return undefined
}

describe('which URLs the extension takes over', () => {
  it('maps path gateway URLs to its /ipfs/ path, with the path and query', () => {
    expect(toGatewayPath(`https://ipfs.io/ipfs/${CID}`)).toBe(`/ipfs/${CID}`)
    expect(toGatewayPath(`https://dweb.link/ipfs/${V0}/a/b.png?filename=x.png`)).toBe(`/ipfs/${V0}/a/b.png?filename=x.png`)
    expect(toGatewayPath(`http://ipfs.io:8080/ipfs/${CID}`)).toBe(`/ipfs/${CID}`)
    for (const host of PATH_GATEWAYS) expect(toGatewayPath(`https://${host}/ipfs/${CID}/x`)).toBe(`/ipfs/${CID}/x`)
  })

  it('maps subdomain gateway URLs, the root included', () => {
    expect(toGatewayPath(`https://${CID}.ipfs.dweb.link/`)).toBe(`/ipfs/${CID}/`)
    expect(toGatewayPath(`https://${CID}.ipfs.dweb.link/dir/file.txt?x=1`)).toBe(`/ipfs/${CID}/dir/file.txt?x=1`)
    for (const host of SUBDOMAIN_GATEWAYS) expect(toGatewayPath(`https://${CID}.ipfs.${host}/a`)).toBe(`/ipfs/${CID}/a`)
  })

  it('leaves other URLs alone: other hosts, /ipns/, look-alike hosts', () => {
    for (const url of [
      'https://example.com/ipfs/' + CID, `https://ipfs.io/ipns/example.com`, `https://ipfs.io.evil.example/ipfs/${CID}`,
      `https://evilipfs.io/ipfs/${CID}`, `https://${CID}.ipfs.dweb.link.evil.example/`, 'https://ipfs.io/'
    ]) expect(toGatewayPath(url), url).toBeUndefined()
  })

  it('reads ipfs:// URLs in the forms pages and browsers write', () => {
    expect(ipfsUriToPath(`ipfs://${CID}`)).toBe(`/ipfs/${CID}`)
    expect(ipfsUriToPath(`ipfs://${CID}/dir/a%20b.txt?filename=a.txt#frag`)).toBe(`/ipfs/${CID}/dir/a%20b.txt?filename=a.txt`)
    expect(ipfsUriToPath(`ipfs:${CID}`)).toBe(`/ipfs/${CID}`)
    expect(ipfsUriToPath(`ipfs:///ipfs/${CID}/x`)).toBe(`/ipfs/${CID}/x`)
    expect(ipfsUriToPath(`IPFS://${V0}`)).toBe(`/ipfs/${V0}`)
  })

  it('refuses an ipfs:// URL with no CID or a bad one, with a code', () => {
    expect(() => ipfsUriToPath('ipfs://')).toThrow(expect.objectContaining({ code: 'CID_INVALID', status: 400, message: expect.stringMatching(/names no CID/) }))
    expect(() => ipfsUriToPath('ipfs://not-a-cid/x')).toThrow(expect.objectContaining({ code: 'CID_INVALID', message: 'invalid CID: not-a-cid' }))
    expect(() => ipfsUriToPath('https://ipfs.io/')).toThrow(expect.objectContaining({ code: 'PATH_INVALID' }))
    // a CIDv0 lower-cased by a browser that took it for a host name no longer parses
    expect(() => ipfsUriToPath(`ipfs://${V0.toLowerCase()}`)).toThrow(expect.objectContaining({ code: 'CID_INVALID' }))
  })

  it('points ipfs:// links at the extension\'s /open with the whole URL encoded', () => {
    expect(openUrl(ORIGIN, `ipfs://${CID}/a b`)).toBe(`${ORIGIN}/open?uri=${encodeURIComponent(`ipfs://${CID}/a b`)}`)
  })
})

describe('the redirection rules', () => {
  it('send navigations and frames to the same /ipfs/ path the content script computes', () => {
    const urls = [
      `https://ipfs.io/ipfs/${CID}`, `https://dweb.link/ipfs/${V0}/a/b.png?filename=x.png`, `http://ipfs.io:8080/ipfs/${CID}`,
      `https://${CID}.ipfs.dweb.link/`, `https://${CID}.ipfs.w3s.link/dir/file.txt?x=1`
    ]
    for (const url of urls) {
      expect(applyRules(url), url).toEqual({ action: 'redirect', to: `${ORIGIN}${toGatewayPath(url)}` })
      expect(applyRules(url, ['sub_frame']), url).toEqual({ action: 'redirect', to: `${ORIGIN}${toGatewayPath(url)}` })
    }
  })

  it('block images and media on gateways (the content script loads them from the cafe), and touch nothing else', () => {
    expect(applyRules(`https://ipfs.io/ipfs/${CID}`, ['image'])).toEqual({ action: 'block' })
    expect(applyRules(`https://${CID}.ipfs.dweb.link/v.webm`, ['media'])).toEqual({ action: 'block' })
    // fetch() from a page keeps going to the gateway: the extension cannot answer another origin's fetch
    expect(applyRules(`https://ipfs.io/ipfs/${CID}`, ['xmlhttprequest'])).toBeUndefined()
    expect(applyRules(`https://example.com/ipfs/${CID}`)).toBeUndefined()
    expect(applyRules('https://ipfs.io/ipns/example.com')).toBeUndefined()
  })

  it('have one id each, the ids the switch removes, and one host a regex (Chromium refuses a regex above 2 KB compiled)', () => {
    const rules = redirectRules(ORIGIN)
    expect(rules.map(rule => rule.id)).toEqual(RULE_IDS)
    expect(new Set(RULE_IDS).size).toBe(RULE_IDS.length)
    expect(rules).toHaveLength(2 * (PATH_GATEWAYS.length + SUBDOMAIN_GATEWAYS.length))
    for (const rule of rules) expect(rule.condition.regexFilter.length).toBeLessThan(120)
  })
})

describe('the manifest', () => {
  const manifest = JSON.parse(readFileSync(new URL('../../extension/manifest.json', import.meta.url), 'utf8')) as {
    host_permissions: string[]
    web_accessible_resources: Array<{ resources: string[] }>
  }

  it('asks for host access to every gateway the rules redirect (a redirect needs it), and to no other site', () => {
    const hosts = manifest.host_permissions.map(pattern => /^\*:\/\/(.+)\/\*$/.exec(pattern)?.[1])
    for (const host of PATH_GATEWAYS) expect(hosts, host).toContain(host)
    for (const host of SUBDOMAIN_GATEWAYS) expect(hosts, host).toContain(`*.${host}`)
    expect(hosts.every(host => host != null && [...PATH_GATEWAYS, ...SUBDOMAIN_GATEWAYS.map(h => `*.${h}`)].includes(host))).toBe(true)
  })

  it('lets other sites open /ipfs/, /open and the bridge frame, and nothing else of the extension', () => {
    expect(manifest.web_accessible_resources.flatMap(entry => entry.resources)).toEqual(['ipfs/*', 'open', 'bridge.html'])
  })
})
