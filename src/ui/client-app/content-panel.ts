/**
 * "Open content": shows a CID, an `/ipfs/` path, an `ipfs://` URL or a gateway link on
 * this page, from this origin's `/ipfs/` (the Service Worker: this browser's cafe, or the
 * cafe this page is connected to, checked block by block). Images and videos are shown
 * (a video seeks with Range requests), anything else is linked.
 */
import { parseCid } from '../../core/util/cid.ts'
import { answerErrorText, byTestId, h, statusLine } from '../dom.ts'
import { cafeErrorFrom } from '../../client/errors.ts'
import { BadRequestError } from '../../core/errors.ts'
import type { PanelInit } from './backup-panel.ts'

/** How long the first byte may take (the gateway gives up on a block after 10 s). */
const FIRST_BYTE_TIMEOUT_MS = 30_000

/** The `/ipfs/<cid>[/path]` a text names; a BadRequestError (CID_INVALID) when it names none. */
export function contentPath (text: string): string {
  let value = text.trim()
  const gateway = /^https?:\/\/[^/]+(\/ipfs\/.*)$/i.exec(value)
  if (gateway != null) value = gateway[1]
  else if (/^ipfs:\/\//i.test(value)) value = `/ipfs/${value.slice('ipfs://'.length)}`
  else if (!value.startsWith('/ipfs/')) value = `/ipfs/${value}`
  const [cid, ...rest] = value.slice('/ipfs/'.length).split(/(?=[/?#])/)
  if (cid === '') throw new BadRequestError('give a CID, an /ipfs/ path or an ipfs:// link', 'CID_INVALID')
  return `/ipfs/${parseCid(cid).toString()}${rest.join('')}`
}

export function mountContent (init: PanelInit): void {
  const form = byTestId<HTMLFormElement>('content-form')
  const status = statusLine(byTestId('content-status'), answerErrorText)
  const view = byTestId('content-view')

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    // a removed video keeps its range requests going until its source is dropped
    for (const media of view.querySelectorAll('video')) { media.pause(); media.removeAttribute('src'); media.load() }
    view.replaceChildren()
    let path: string
    try {
      path = contentPath(String(new FormData(form).get('content') ?? ''))
    } catch (err) {
      status.fail(err)
      return
    }
    status.busy(`fetching ${path}…`)
    const started = performance.now()
    // one byte is enough to know the type and that the content is there
    void fetch(path, { headers: { range: 'bytes=0-0' }, signal: AbortSignal.timeout(FIRST_BYTE_TIMEOUT_MS) }).then(async response => {
      const type = response.headers.get('content-type') ?? ''
      if (!response.ok) {
        const body = await response.json().catch(() => undefined) as { error?: { code?: string, message?: string } } | undefined
        throw cafeErrorFrom(body?.error, response.status)
      }
      await response.body?.cancel()
      const link = h('a', { href: path, target: '_blank', rel: 'noopener', 'data-testid': 'content-link' }, path)
      if (type.startsWith('image/')) view.append(h('img', { src: path, alt: path, style: 'max-width: 100%', 'data-testid': 'content-image' }), h('br'), link)
      else if (type.startsWith('video/')) view.append(h('video', { src: path, controls: true, preload: 'metadata', style: 'max-width: 100%', 'data-testid': 'content-video' }), h('br'), link)
      else view.append(link)
      status.ok(`${type.split(';')[0] || 'content'}, first byte in ${Math.round(performance.now() - started)} ms`)
      status.element.dataset.type = type
    }).catch(err => {
      // the fetch's own timeout (a cafe's 504 is a TimeoutError too, with its code)
      if (err instanceof DOMException && err.name === 'TimeoutError') err = new Error(`no answer within ${FIRST_BYTE_TIMEOUT_MS / 1000} s`)
      status.fail(err)
      init.onError(err)
    })
  })
}
