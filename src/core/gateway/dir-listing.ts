/**
 * The HTML index of a UnixFS directory without index.html. Every name is escaped and
 * percent-encoded: names are attacker-chosen.
 */
import type { CID } from 'multiformats/cid'

export interface ListingEntry {
  name: string
  cid: CID
  /** cumulative DAG size from the link (Tsize) */
  size: bigint
}

export interface ListingInit {
  /** the directory's content path as requested, ending in '/' */
  ipfsPath: string
  cid: CID
  entries: ListingEntry[]
}

const STYLE = 'body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}' +
  'td,th{padding:.2em 1em;text-align:left}td.size{text-align:right}code{font-size:.9em;color:#555}'

/** Changes whenever the markup does, so cached listings are invalidated (ETag). */
export const LISTING_TEMPLATE_HASH = templateHash(`v1|${STYLE}`)

export function directoryListingEtag (cid: CID): string {
  return `"DirIndex-${LISTING_TEMPLATE_HASH}_CID-${cid}"`
}

export function renderDirectoryListing ({ ipfsPath, cid, entries }: ListingInit): string {
  const base = ipfsPath.endsWith('/') ? ipfsPath : `${ipfsPath}/`
  const title = `Index of ${safeDecode(base)}`
  const rows = entries.map(entry => {
    const name = encodeURIComponent(entry.name)
    const href = entry.name === '.' || entry.name === '..' ? `/ipfs/${entry.cid}` : `${base}${name}`
    return `<tr><td><a href="${escapeHtml(href)}">${escapeHtml(entry.name)}</a></td>` +
      `<td class="size" title="${entry.size} bytes">${formatSize(entry.size)}</td>` +
      `<td><a class="ipfs-hash" translate="no" href="/ipfs/${entry.cid}?filename=${escapeHtml(name)}"><code>${entry.cid}</code></a></td></tr>`
  })
  const segments = base.split('/').filter(Boolean)
  const parent = segments.length > 2
    ? `<tr><td><a href="${escapeHtml(`${base}..`)}">..</a></td><td></td><td></td></tr>`
    : ''
  return '<!doctype html>\n<html><head><meta charset="utf-8">' +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>` +
    `<h1>Index of ${breadcrumbs(segments)}</h1><p><code>${cid}</code></p>` +
    '<table><thead><tr><th>Name</th><th>Size</th><th>CID</th></tr></thead><tbody>' +
    parent + rows.join('') +
    '</tbody></table></body></html>\n'
}

/** `/ipfs/<cid>/a/b` with each step a link to its own path. */
function breadcrumbs (segments: string[]): string {
  const [namespace, ...rest] = segments
  let href = `/${namespace}`
  const links = rest.map(segment => {
    href = `${href}/${segment}`
    return `<a href="${escapeHtml(href)}">${escapeHtml(safeDecode(segment))}</a>`
  })
  return `/${escapeHtml(namespace ?? 'ipfs')}/${links.join('/')}`
}

export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}

function formatSize (size: bigint): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = Number(size)
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`
}

function safeDecode (path: string): string {
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}

/** A short hash of a page template, for ETags of generated HTML (FNV-1a). */
export function templateHash (text: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash.toString(16).padStart(8, '0')
}
