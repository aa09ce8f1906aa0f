/// <reference path="./chrome.d.ts" />
/**
 * The content script, in every frame of every page while redirection is on. What the
 * declarativeNetRequest rules cannot do, it does:
 * - `<img>`, `<video>`, `<audio>`, `<source>` naming a public gateway or `ipfs://`: their
 *   loads are blocked by the rules (the extension's service worker never sees another
 *   origin's subresources), so it loads the content from the extension's gateway through
 *   the bridge frame and sets a `blob:` URL of the page's own origin instead;
 * - `<a>` and `<iframe>` naming `ipfs://`: pointed at the extension's `/open?uri=`, which
 *   redirects to `/ipfs/…` (links to public gateways are redirected by the rules).
 * Each element it handles carries `data-cafe-src` (the original URL) and `data-cafe-state`
 * (`loading`, `loaded` or `error`, with `data-cafe-error` saying why).
 * Built as one classic script (extension/vite.config.ts): content scripts are not modules.
 */
import { createBridgeClient } from './bridge-client.ts'
import { openUrl, toGatewayPath } from './ipfs-urls.ts'
import { REDIRECT_KEY, redirectionEnabled } from './redirection.ts'

const origin = chrome.runtime.getURL('').replace(/\/$/, '')
const bridge = createBridgeClient(origin)

/** Which attribute names the URL, by tag. */
const URL_ATTRIBUTE: Record<string, string> = { IMG: 'src', VIDEO: 'src', AUDIO: 'src', SOURCE: 'src', A: 'href', IFRAME: 'src' }
const SELECTOR = 'img[src], video[src], audio[src], source[src], a[href^="ipfs:" i], iframe[src^="ipfs:" i]'

let enabled = false

function fail (element: Element, message: string): void {
  element.setAttribute('data-cafe-state', 'error')
  element.setAttribute('data-cafe-error', message)
}

async function loadFromCafe (element: Element, attribute: string, path: string): Promise<void> {
  element.setAttribute('data-cafe-state', 'loading')
  const answer = await bridge.fetch(path)
  if (!answer.ok) {
    fail(element, `${answer.status !== 0 ? `${answer.status}: ` : ''}${answer.error}`)
    element.dispatchEvent(new Event('error'))
    return
  }
  element.setAttribute(attribute, URL.createObjectURL(answer.blob))
  element.setAttribute('data-cafe-state', 'loaded')
  // a <source> is only read when its media element loads again
  if (element.tagName === 'SOURCE' && element.parentElement instanceof HTMLMediaElement) element.parentElement.load()
}

function visit (element: Element): void {
  const attribute = URL_ATTRIBUTE[element.tagName]
  const url = attribute == null ? null : element.getAttribute(attribute)
  if (url == null || url.startsWith('blob:') || url.startsWith(origin)) return
  const ipfsUri = /^ipfs:/i.test(url)
  if (element.tagName === 'A' || element.tagName === 'IFRAME') {
    // links and frames to public gateways are the rules' job; /open's error page explains a malformed ipfs:// URL
    if (!ipfsUri) return
    element.setAttribute('data-cafe-src', url)
    element.setAttribute(attribute, openUrl(origin, url))
    return
  }
  let path: string | undefined
  try {
    path = toGatewayPath(ipfsUri ? url : new URL(url, document.baseURI).href)
  } catch (err) {
    if (!ipfsUri) return
    element.setAttribute('data-cafe-src', url)
    fail(element, (err as Error).message)
    element.dispatchEvent(new Event('error'))
    return
  }
  if (path == null) return
  element.setAttribute('data-cafe-src', url)
  void loadFromCafe(element, attribute, path)
}

function visitTree (root: ParentNode): void {
  if (root instanceof Element && root.matches(SELECTOR)) visit(root)
  for (const element of root.querySelectorAll(SELECTOR)) visit(element)
}

const observer = new MutationObserver(records => {
  if (!enabled) return
  for (const record of records) {
    if (record.type === 'attributes') visit(record.target as Element)
    else for (const node of record.addedNodes) if (node instanceof Element) visitTree(node)
  }
})
observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['src', 'href'] })

function setEnabled (value: boolean): void {
  enabled = value
  if (enabled) visitTree(document)
}

chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && REDIRECT_KEY in changes) setEnabled(changes[REDIRECT_KEY].newValue !== false)
})
void redirectionEnabled({ get: async key => chrome.storage.local.get(key) }).then(setEnabled)
