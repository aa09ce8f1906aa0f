/**
 * Content-Type of a file: from its name's extension (mime/lite), else sniffed from its
 * first bytes (a few common magic numbers, then UTF-8 text vs binary).
 */
import mime from 'mime/lite'

export const SNIFF_BYTES = 512

export const OCTET_STREAM = 'application/octet-stream'

/** The type for a file name, or undefined when the extension is unknown. */
export function contentTypeFromName (name: string | undefined): string | undefined {
  if (name == null || !name.includes('.')) return undefined
  const type = mime.getType(name)
  return type == null ? undefined : withCharset(type)
}

interface Magic { type: string, offset?: number, bytes: number[] }

const MAGIC: Magic[] = [
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/gif', bytes: ascii('GIF87a') },
  { type: 'image/gif', bytes: ascii('GIF89a') },
  { type: 'image/webp', offset: 8, bytes: ascii('WEBP') },
  { type: 'application/pdf', bytes: ascii('%PDF-') },
  { type: 'video/mp4', offset: 4, bytes: ascii('ftyp') },
  { type: 'video/webm', bytes: [0x1a, 0x45, 0xdf, 0xa3] },
  { type: 'audio/ogg', bytes: ascii('OggS') },
  { type: 'audio/mpeg', bytes: ascii('ID3') },
  { type: 'audio/wav', offset: 8, bytes: ascii('WAVE') },
  { type: 'audio/flac', bytes: ascii('fLaC') },
  { type: 'application/zip', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { type: 'application/gzip', bytes: [0x1f, 0x8b] },
  { type: 'application/wasm', bytes: [0x00, 0x61, 0x73, 0x6d] },
  { type: 'font/woff', bytes: ascii('wOFF') },
  { type: 'font/woff2', bytes: ascii('wOF2') }
]

/** Sniffs the first bytes of a file (pass up to SNIFF_BYTES; `complete` when that is the whole file). */
export function sniffContentType (head: Uint8Array, complete = false): string {
  for (const { type, offset = 0, bytes } of MAGIC) {
    if (startsWith(head, bytes, offset)) return type
  }

  const text = decodeText(head, complete)
  if (text == null) return OCTET_STREAM
  const start = text.trimStart().slice(0, 256).toLowerCase()
  if (/^<(!doctype html|html|head|body|script|title|iframe|h1|div|table|a |p>|style|!--)/.test(start)) return 'text/html; charset=utf-8'
  if (start.startsWith('<svg') || (start.startsWith('<?xml') && text.includes('<svg'))) return 'image/svg+xml'
  if (start.startsWith('<?xml')) return 'application/xml'
  if (looksLikeJson(text, complete)) return 'application/json'
  return 'text/plain; charset=utf-8'
}

function looksLikeJson (text: string, complete: boolean): boolean {
  const t = text.trim()
  if (!t.startsWith('{') && !t.startsWith('[')) return false
  if (!complete) return true
  try {
    JSON.parse(t)
    return true
  } catch {
    return false
  }
}

/** The text if the bytes are UTF-8 without binary control characters, else undefined. */
function decodeText (head: Uint8Array, complete: boolean): string | undefined {
  // a multi-byte character may be cut at the end of a partial sample
  const sample = complete ? head : head.subarray(0, Math.max(0, head.length - 3))
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(sample)
  } catch {
    return undefined
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]/.test(text)) return undefined
  return text
}

function withCharset (type: string): string {
  return type.startsWith('text/') ? `${type}; charset=utf-8` : type
}

function startsWith (head: Uint8Array, bytes: number[], offset: number): boolean {
  if (head.length < offset + bytes.length) return false
  return bytes.every((b, i) => head[offset + i] === b)
}

function ascii (s: string): number[] {
  return [...s].map(c => c.charCodeAt(0))
}
