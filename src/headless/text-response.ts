/**
 * The headless server's JSON answers as a light `Response`: the status, a plain header
 * record and the body text, written by the server straight to the socket (one write with
 * its length, as a bare node:http server does). undici's Response (a web stream for the
 * body, a guarded header list) cost about half of a whole `GET /api/v0/cafe` answer; it is
 * only made when something asks for the body as a stream, `formData()` or `clone()`.
 */
import type { JsonParts, JsonResponder } from '../core/api/respond.ts'

export class TextResponse implements Response {
  readonly status: number
  readonly statusText = ''
  readonly type: ResponseType = 'default'
  readonly url = ''
  readonly redirected = false
  readonly #fields: Readonly<Record<string, string>>
  /** the body, or null for none */
  readonly bodyText: string | null
  #headers?: Headers
  #response?: Response
  #used = false

  constructor (status: number, fields: Record<string, string>, bodyText: string | null) {
    this.status = status
    this.#fields = fields
    this.bodyText = bodyText
  }

  get ok (): boolean { return this.status >= 200 && this.status < 300 }
  get headers (): Headers {
    this.#headers ??= new Headers(this.#fields)
    return this.#headers
  }

  /** the header record the server writes: as given, or as changed since through `headers` */
  get fields (): Readonly<Record<string, string>> {
    return this.#headers == null ? this.#fields : Object.fromEntries(this.#headers)
  }

  /** undici's Response for the same answer; its body is disturbed if this one's was read */
  get #full (): Response {
    if (this.#response == null) {
      this.#response = new Response(this.bodyText, { status: this.status, headers: this.headers })
      if (this.#used) void this.#response.arrayBuffer().catch(() => {})
    }
    return this.#response
  }

  get body (): ReadableStream<Uint8Array<ArrayBuffer>> | null { return this.bodyText == null ? null : this.#full.body }
  get bodyUsed (): boolean { return this.#response?.bodyUsed ?? this.#used }

  /** the body text, once (a body is read once; no body reads as empty); undefined once undici's Response holds the body */
  #take (): string | undefined {
    if (this.#response != null) return undefined
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read')
    if (this.bodyText != null) this.#used = true
    return this.bodyText ?? ''
  }

  async text (): Promise<string> {
    const text = this.#take()
    return text ?? this.#full.text()
  }

  async arrayBuffer (): Promise<ArrayBuffer> {
    const text = this.#take()
    if (text === undefined) return this.#full.arrayBuffer()
    return new TextEncoder().encode(text).buffer
  }

  async bytes (): Promise<Uint8Array<ArrayBuffer>> {
    const text = this.#take()
    if (text === undefined) return this.#full.bytes()
    return new TextEncoder().encode(text)
  }

  async blob (): Promise<Blob> {
    const text = this.#take()
    if (text === undefined) return this.#full.blob()
    return new Response(this.bodyText, { headers: this.headers }).blob()
  }

  async json (): Promise<any> {
    const text = this.#take()
    if (text === undefined) return this.#full.json()
    return JSON.parse(text)
  }

  async formData (): Promise<FormData> { return this.#full.formData() }
  clone (): Response { return this.#full.clone() }
  get [Symbol.toStringTag] (): string { return 'Response' }
}

export const textResponse: JsonResponder = ({ status, headers, text }: JsonParts) => new TextResponse(status, headers, text)
