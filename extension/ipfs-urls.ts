/**
 * Which URLs the extension takes over, and where each goes on its own origin: public
 * path gateways (`https://ipfs.io/ipfs/<cid>/…`), subdomain gateways
 * (`https://<cid>.ipfs.dweb.link/…`) and `ipfs://<cid>/…` links all become
 * `/ipfs/<cid>/…`, answered by the extension's service worker from its cafe.
 * The declarativeNetRequest rules are built from the same host lists, so what the
 * browser redirects and what the content script rewrites agree (test/extension/ipfs-urls.spec.ts).
 */
import { BadRequestError } from '../src/core/errors.ts'
import { parseCid } from '../src/core/util/cid.ts'

/** Public path gateways: `https://<host>/ipfs/<cid>[/path]` (as IPFS Companion's list, the ones still answering). */
export const PATH_GATEWAYS = ['ipfs.io', 'dweb.link', 'w3s.link', 'nftstorage.link', 'gateway.pinata.cloud', 'cloudflare-ipfs.com', 'cf-ipfs.com', '4everland.io', 'trustless-gateway.link']

/** Public subdomain gateways: `https://<cid>.ipfs.<host>/[path]`. */
export const SUBDOMAIN_GATEWAYS = ['dweb.link', 'w3s.link', 'nftstorage.link', 'cf-ipfs.com', '4everland.io']

/** Where a protocol handler and rewritten `ipfs://` links land: `/open?uri=ipfs%3A%2F%2F…`. */
export const OPEN_PATH = '/open'

const escape = (host: string): string => host.replace(/\./g, '\\.')
const alternatives = (hosts: string[]): string => hosts.map(escape).join('|')

// RE2 (declarativeNetRequest) and JavaScript read these alike: no look-arounds or back-references.
// The port is allowed so a test can stand in for a gateway on a local port.
const pathGatewayRegex = (hosts: string): string => `^https?://(?:${hosts})(?::[0-9]+)?/ipfs/(.+)$`
const subdomainGatewayRegex = (hosts: string): string => `^https?://([a-z0-9]+)\\.ipfs\\.(?:${hosts})(?::[0-9]+)?(/.*)?$`

const pathGateway = new RegExp(pathGatewayRegex(alternatives(PATH_GATEWAYS)), 'i')
const subdomainGateway = new RegExp(subdomainGatewayRegex(alternatives(SUBDOMAIN_GATEWAYS)), 'i')

/**
 * The `/ipfs/…` path (with query) a public gateway URL or an `ipfs://` URL names on the
 * extension's origin, or undefined for any other URL.
 * @throws BadRequestError (CID_INVALID, PATH_INVALID) for an `ipfs://` URL that names no CID
 */
export function toGatewayPath (url: string): string | undefined {
  if (/^ipfs:/i.test(url)) return ipfsUriToPath(url)
  const path = pathGateway.exec(url)
  if (path != null) return `/ipfs/${path[1]}`
  const subdomain = subdomainGateway.exec(url)
  if (subdomain != null) return `/ipfs/${subdomain[1]}${subdomain[2] ?? '/'}`
  return undefined
}

/**
 * `ipfs://<cid>[/path][?query]` (also `ipfs:<cid>` and `ipfs:///ipfs/<cid>`, which
 * browsers and pages write too) as `/ipfs/<cid>[/path][?query]`.
 * @throws BadRequestError when it names no valid CID
 */
export function ipfsUriToPath (uri: string): string {
  const match = /^ipfs:(?:\/\/)?(?:\/?ipfs\/)?([^/?#]*)([^?#]*)(\?[^#]*)?/i.exec(uri.trim())
  if (match == null) throw new BadRequestError(`not an ipfs:// URL: ${uri.slice(0, 100)}`, 'PATH_INVALID')
  const [, cidText, path, query = ''] = match
  if (cidText === '') throw new BadRequestError('the ipfs:// URL names no CID: it should read ipfs://<cid>[/path]', 'CID_INVALID')
  // browsers lower-case the "host" of a URL: a base32 CIDv1 survives that, a CIDv0 (Qm…) does not
  const cid = parseCid(decodeURIComponent(cidText))
  return `/ipfs/${cid.toString()}${path}${query}`
}

/** The page a protocol handler or a rewritten link opens for `uri` on the extension's origin. */
export function openUrl (origin: string, uri: string): string {
  return `${origin}${OPEN_PATH}?uri=${encodeURIComponent(uri)}`
}

/** The subset of chrome.declarativeNetRequest.Rule these rules use. */
export interface RedirectRule {
  id: number
  priority: number
  action: { type: 'redirect', redirect: { regexSubstitution: string } } | { type: 'block' }
  condition: { regexFilter: string, resourceTypes: ResourceType[], isUrlFilterCaseSensitive?: boolean }
}

export type ResourceType = 'main_frame' | 'sub_frame' | 'image' | 'media' | 'object'

/**
 * Navigations and frames go to the extension's origin, where its service worker answers
 * them. Images and media are blocked instead: Chromium does not hand another origin's
 * subresource loads of chrome-extension:// URLs to the extension's service worker (docs/ARCHITECTURE.md),
 * so the content script loads those from the cafe itself, and the public gateway never sees the request.
 * One pair of rules a host: Chromium refuses a regexFilter whose compiled form exceeds 2 KB,
 * which one alternation of all the hosts did.
 */
export function redirectRules (origin: string): RedirectRule[] {
  const documents: ResourceType[] = ['main_frame', 'sub_frame']
  const embedded: ResourceType[] = ['image', 'media', 'object']
  const rules: RedirectRule[] = []
  const add = (regexFilter: string, regexSubstitution: string): void => {
    rules.push({ id: rules.length + 1, priority: 1, action: { type: 'redirect', redirect: { regexSubstitution } }, condition: { regexFilter, resourceTypes: documents } })
    rules.push({ id: rules.length + 1, priority: 1, action: { type: 'block' }, condition: { regexFilter, resourceTypes: embedded } })
  }
  for (const host of PATH_GATEWAYS) add(pathGatewayRegex(escape(host)), `${origin}/ipfs/\\1`)
  for (const host of SUBDOMAIN_GATEWAYS) add(subdomainGatewayRegex(escape(host)), `${origin}/ipfs/\\1\\2`)
  return rules
}

/** The ids of the rules above: the switch removes exactly these. */
export const RULE_IDS = redirectRules('chrome-extension://x').map(rule => rule.id)
