/**
 * What a person sees when a tab opened at /ipfs/… cannot be answered: a small HTML page
 * that says what happened and offers a retry, instead of bare text. Only navigations
 * get it; a fetch() keeps the plain text or JSON its `Accept` asks for.
 */
import { escapeHtml } from '../core/gateway/dir-listing.ts'

/** A tab navigating (or anything that asks for HTML before all else). */
export function wantsErrorPage (request: Request): boolean {
  if (request.mode === 'navigate') return true
  const accept = request.headers.get('accept') ?? ''
  return /^\s*text\/html/i.test(accept)
}

const HEADLINES: Record<number, string> = {
  400: 'This is not a valid IPFS address',
  404: 'Nothing is stored at this address',
  410: 'This content was removed',
  413: 'This content is too large to serve here',
  502: 'The cafe could not fetch this content',
  503: 'The cafe is not running',
  504: 'This content could not be found in time'
}

const ADVICE: Record<number, string> = {
  400: 'Check the link: after <code>/ipfs/</code> comes a CID such as <code>bafy…</code> or <code>Qm…</code>.',
  503: 'Open the <a href="/">cafe page</a> in another tab so it can fetch from the network, then try again.',
  504: 'No peer the cafe is connected to had it. It may be offline now: try again later, or open the <a href="/">cafe page</a> to connect to more peers.'
}

/** Reads the error's words from a gateway answer (JSON `{ error: { message } }` or text). */
async function reason (response: Response): Promise<string> {
  const text = await response.text().catch(() => '')
  try {
    const json = JSON.parse(text) as { error?: { message?: string, details?: string } }
    return json.error?.message ?? json.error?.details ?? text
  } catch {
    return text
  }
}

export interface ErrorPageWords {
  headline?: string
  /** HTML */
  advice?: string
}

export async function errorPage (request: Request, response: Response, words: ErrorPageWords = {}): Promise<Response> {
  const status = response.status
  const headline = words.headline ?? HEADLINES[status] ?? (status >= 500 ? 'The cafe could not answer' : 'This address could not be opened')
  const advice = words.advice ?? ADVICE[status] ?? ''
  const detail = (await reason(response)).trim().slice(0, 500)
  const url = new URL(request.url)
  const here = escapeHtml(url.pathname + url.search)
  const html = '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(headline)}</title><style>` +
    'body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f;line-height:1.45;overflow-wrap:anywhere}' +
    'code{font-size:.9em}.detail{color:#62605b;font-size:.9em}.retry{display:inline-block;margin-top:1rem;padding:.4rem .9rem;border-radius:.45rem;background:#2d5fc4;color:#fff;text-decoration:none}' +
    '</style></head><body>' +
    `<h1 data-testid="error-headline">${escapeHtml(headline)}</h1>` +
    `<p><code>${here}</code></p>` +
    (advice !== '' ? `<p>${advice}</p>` : '') +
    (detail !== '' ? `<p class="detail" data-testid="error-detail">${escapeHtml(detail)} (${status})</p>` : '') +
    `<p><a class="retry" data-testid="retry" href="${here}">Try again</a> <a href="/">Cafe page</a></p>` +
    '</body></html>\n'
  return new Response(html, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }
  })
}

/** The gateway's answer, or for a navigation that failed, the error page in its place. */
export async function answerNavigation (request: Request, answer: () => Promise<Response>, onThrow: (err: unknown) => Response): Promise<Response> {
  let response: Response
  try {
    response = await answer()
  } catch (err) {
    response = onThrow(err)
  }
  if (response.status < 400 || !wantsErrorPage(request)) return response
  if ((response.headers.get('content-type') ?? '').startsWith('text/html')) return response
  return errorPage(request, response)
}
