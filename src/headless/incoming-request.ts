/**
 * A bodiless request (GET, HEAD) from node:http as a standard `Request`, built lazily.
 * Handlers read its url, method, headers and signal; undici's Request (URL parsing,
 * header validation into a guarded list, its own AbortSignal following ours) cost about
 * as much as the cafe's whole answer to `GET /api/v0/cafe`, so it is only made when a
 * handler asks for something else (`cache`, `clone()`, …). Headers are read from Node's
 * raw list, which its parser has already checked, and become a real `Headers` only
 * when a handler asks for more than `get`/`has`.
 */

/** Header values as the fetch standard gives them: leading and trailing whitespace removed. */
const HTTP_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g

/** `Headers` over node:http's raw `[name, value, name, value, …]`; get/has without building a Headers. */
class RawHeaders implements Headers {
  readonly #raw: string[]
  #headers?: Headers

  constructor (raw: string[]) {
    this.#raw = raw
  }

  /** the same list as a standard Headers, made on first need */
  get #full (): Headers {
    if (this.#headers == null) {
      const headers = new Headers()
      const raw = this.#raw
      for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1])
      this.#headers = headers
    }
    return this.#headers
  }

  get (name: string): string | null {
    if (this.#headers != null) return this.#headers.get(name)
    const wanted = name.toLowerCase()
    const raw = this.#raw
    let value: string | null = null
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i].length !== wanted.length || raw[i].toLowerCase() !== wanted) continue
      const one = raw[i + 1].replace(HTTP_WHITESPACE, '')
      value = value == null ? one : `${value}, ${one}`
    }
    return value
  }

  has (name: string): boolean {
    return this.get(name) != null
  }

  getSetCookie (): string[] { return this.#full.getSetCookie() }
  append (name: string, value: string): void { this.#full.append(name, value) }
  delete (name: string): void { this.#full.delete(name) }
  set (name: string, value: string): void { this.#full.set(name, value) }
  forEach (callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    this.#full.forEach((value, key) => { callback.call(thisArg, value, key, this) })
  }

  entries (): HeadersIterator<[string, string]> { return this.#full.entries() }
  keys (): HeadersIterator<string> { return this.#full.keys() }
  values (): HeadersIterator<string> { return this.#full.values() }
  [Symbol.iterator] (): HeadersIterator<[string, string]> { return this.#full[Symbol.iterator]() }
  get [Symbol.toStringTag] (): string { return 'Headers' }
}

export class BodilessRequest implements Request {
  readonly url: string
  readonly method: string
  readonly headers: Headers
  readonly signal: AbortSignal
  readonly body = null
  readonly bodyUsed = false
  #request?: Request

  /** `url` must parse (URL.canParse) and `method` be GET or HEAD */
  constructor (url: string, method: 'GET' | 'HEAD', rawHeaders: string[], signal: AbortSignal) {
    this.url = url
    this.method = method
    this.headers = new RawHeaders(rawHeaders)
    this.signal = signal
  }

  /** undici's Request for the same request, for whatever else a handler asks */
  get #full (): Request {
    this.#request ??= new Request(this.url, { method: this.method, headers: this.headers, signal: this.signal })
    return this.#request
  }

  get cache (): RequestCache { return this.#full.cache }
  get credentials (): RequestCredentials { return this.#full.credentials }
  get destination (): RequestDestination { return this.#full.destination }
  get integrity (): string { return this.#full.integrity }
  get keepalive (): boolean { return this.#full.keepalive }
  get mode (): RequestMode { return this.#full.mode }
  get redirect (): RequestRedirect { return this.#full.redirect }
  get referrer (): string { return this.#full.referrer }
  get referrerPolicy (): ReferrerPolicy { return this.#full.referrerPolicy }
  get [Symbol.toStringTag] (): string { return 'Request' }

  async arrayBuffer (): Promise<ArrayBuffer> { return new ArrayBuffer(0) }
  async bytes (): Promise<Uint8Array<ArrayBuffer>> { return new Uint8Array(0) }
  async text (): Promise<string> { return '' }
  async blob (): Promise<Blob> { return this.#full.blob() }
  async formData (): Promise<FormData> { return this.#full.formData() }
  async json (): Promise<any> { return this.#full.json() }
  clone (): Request { return this.#full.clone() }
}
