/**
 * Takes the file key out of text before it is logged: every `key=` query parameter (the
 * gateway's `?key=` decryption key, docs/GATEWAY.md) keeps its name and loses its value.
 * Works on a bare URL, a path with a query, or any message or stack that quotes one.
 */
const KEY_PARAM = /([?&;#]key=)[^&#\s"'<>`]*/gi
// the same, percent-encoded inside another URL's query (…%3Fkey%3D…)
const ENCODED_KEY_PARAM = /(%3F|%26|%3B)(key%3D)((?!%26|%23)[^&#\s"'<>`])*/gi

export const REDACTED = '[redacted]'

export function redactUrl (url: string | URL | null | undefined): string {
  if (url == null) return ''
  return String(url).replace(KEY_PARAM, `$1${REDACTED}`).replace(ENCODED_KEY_PARAM, `$1$2${REDACTED}`)
}

/** An error's stack (or message, or the value) as text, with every `key=` redacted. */
export function redactError (err: unknown): string {
  const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err)
  return redactUrl(text)
}
