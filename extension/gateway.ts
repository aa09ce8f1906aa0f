/**
 * The extension's gateway: its service worker answers `/ipfs/<cid>[/path]` (and `/ipns/`
 * for the names its cafe hosts) on the extension's own origin with the same gateway core
 * as the cafe page (src/core/gateway).
 * Blocks come from the cafe's IndexedDB blockstore, which the service worker opens itself
 * (same origin as the offscreen document), so stored content is served at once and
 * offline; a missing block is asked of the offscreen document's node, which fetches it
 * over libp2p, and the gateway core checks it against its CID.
 *
 * `/open?uri=ipfs://…` is where `ipfs://` links land (the protocol handler, the content
 * script): it redirects to the `/ipfs/` path, or explains why the URL is not one.
 */
import { errorResponse } from '../src/core/api/http.ts'
import { CafeError, UnavailableError } from '../src/core/errors.ts'
import { escapeHtml } from '../src/core/gateway/dir-listing.ts'
import { errorPage, wantsErrorPage } from '../src/sw/error-page.ts'
import { createStoreGateway, fetchBlockThrough } from '../src/sw/store-gateway.ts'
import { ipfsUriToPath, OPEN_PATH } from './ipfs-urls.ts'
import type { ServiceWorkerBridge } from '../src/worker/api.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Remote } from 'comlink'
import type { CID } from 'multiformats/cid'

export interface ExtensionGatewayComponents {
  /** the offscreen document's block fetcher, or undefined when it cannot be reached in `timeoutMs` */
  bridge(timeoutMs: number): Promise<Remote<ServiceWorkerBridge> | undefined>
}

export interface ExtensionGateway {
  /** whether `url` (on the extension's origin) is the gateway's */
  handles(url: URL): boolean
  serve(request: Request, signal: AbortSignal): Promise<Response>
}

/** What a person reads on an error page of the extension's gateway (HTML). */
const ADVICE: Record<number, string> = {
  400: 'Check the link: after <code>/ipfs/</code> (or <code>ipfs://</code>) comes a CID such as <code>bafy…</code>.',
  503: 'The extension\'s cafe is not running. Open the extension\'s popup to start it, then try again.',
  504: 'No peer the extension\'s cafe is connected to had it. It may be offline now: try again later, or add a relay in the extension\'s popup to reach more peers.'
}

/** How long to wait for the offscreen document (it may have to be created first). */
const OFFSCREEN_TIMEOUT_MS = 5_000

/**
 * A tab or frame opened at a video or audio gets a page with a player instead of the bytes:
 * Chromium (156) does not send the media requests of its own media document for a
 * chrome-extension:// URL to the extension's service worker (the player stays empty), while
 * an HTML page of the extension is the service worker's client and its `<video>` is served,
 * with ranges. Downloads (`Content-Disposition: attachment`) are left alone.
 */
function mediaPlayer (request: Request, response: Response): Response | undefined {
  if (request.mode !== 'navigate' || response.status !== 200) return undefined
  const kind = /^(video|audio)\//.exec(response.headers.get('content-type') ?? '')?.[1]
  if (kind == null || /^\s*attachment/i.test(response.headers.get('content-disposition') ?? '')) return undefined
  void response.body?.cancel()
  const src = escapeHtml(request.url)
  const html = '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
    `<title>${escapeHtml(new URL(request.url).pathname.split('/').pop() ?? '')}</title>` +
    '<style>html,body{margin:0;height:100%;background:#000}body{display:flex;align-items:center;justify-content:center}video,audio{max-width:100%;max-height:100%}</style>' +
    `</head><body><${kind} controls autoplay src="${src}"></${kind}></body></html>\n`
  return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } })
}

export function createExtensionGateway (components: ExtensionGatewayComponents): ExtensionGateway {
  async function fetchBlock (cid: CID, options: AbortOptions): Promise<Uint8Array> {
    const started = Date.now()
    const bridge = await components.bridge(OFFSCREEN_TIMEOUT_MS)
    if (bridge == null) throw new UnavailableError('the extension\'s cafe is not running', 'CAFE_NOT_RUNNING')
    return fetchBlockThrough(bridge, cid, started, 'the cafe went away', options)
  }
  const gateway = createStoreGateway(fetchBlock)

  async function answer (request: Request, signal: AbortSignal): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname === OPEN_PATH) {
      const path = ipfsUriToPath(url.searchParams.get('uri') ?? '')
      return new Response(null, { status: 302, headers: { location: new URL(path, url).href, 'cache-control': 'no-store' } })
    }
    return gateway.fetch(request, signal)
  }

  return {
    handles: url => url.pathname.startsWith('/ipfs/') || url.pathname.startsWith('/ipns/') || url.pathname === OPEN_PATH,
    async serve (request, signal) {
      let response: Response
      try {
        response = await answer(request, signal)
      } catch (err) {
        response = errorResponse(err instanceof CafeError ? err : new UnavailableError(`the gateway could not start: ${(err as Error).message}`))
      }
      if (response.status < 400) return mediaPlayer(request, response) ?? response
      if (!wantsErrorPage(request)) return response
      if ((response.headers.get('content-type') ?? '').startsWith('text/html')) return response
      return errorPage(request, response, { advice: ADVICE[response.status] })
    }
  }
}
