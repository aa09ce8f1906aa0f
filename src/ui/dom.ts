/** A tiny element builder for the console: h('td', { class: 'x' }, 'text', child). */
type Child = Node | string | number | null | undefined | false

export function h<K extends keyof HTMLElementTagNameMap> (tag: K, attrs: Record<string, string | boolean | EventListener> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value)
    else if (value === true) element.setAttribute(name, '')
    else if (value !== false) element.setAttribute(name, value)
  }
  for (const child of children) {
    if (child != null && child !== false) element.append(child instanceof Node ? child : String(child))
  }
  return element
}

export function byTestId<T extends HTMLElement = HTMLElement> (id: string, root: ParentNode = document): T {
  const element = root.querySelector<T>(`[data-testid="${id}"]`)
  if (element == null) throw new Error(`missing element ${id}`)
  return element
}

export function formatTime (ms: number | null): string {
  return ms == null ? 'never' : new Date(ms).toLocaleString()
}

/** Shows an error from an action next to the control that caused it. */
export function reportError (target: HTMLElement, err: unknown): void {
  target.textContent = errorText(err)
  target.classList.add('error')
}

/** The words of an error for a person: its message, then its code (`… (RELAY_ADDRESS_INVALID)`). */
export function errorText (err: unknown): string {
  const { message = String(err), code } = err as { message?: string, code?: string }
  return code != null ? `${message} (${code})` : message
}

/** An error as a client app shows a cafe's answer: `413 QUOTA_EXCEEDED: …`, or the message alone for a local error. */
export function answerErrorText (err: unknown): string {
  const { message = String(err), code, status } = err as { message?: string, code?: string, status?: number }
  if (status == null) return code != null ? `${code}: ${message}` : message
  return `${status}${code != null ? ` ${code}` : ''}: ${message}`
}

export interface StatusLine {
  readonly element: HTMLElement
  /** a new operation: clears what the last one left, shows `text` while it runs */
  busy(text?: string): void
  ok(text: string): void
  fail(err: unknown): void
  clear(): void
}

/** A panel's status line, next to its buttons: each operation replaces what the last one said. */
export function statusLine (element: HTMLElement, format: (err: unknown) => string = errorText): StatusLine {
  element.setAttribute('aria-live', 'polite')
  element.classList.add('status-line')
  const set = (state: string, text: string): void => {
    element.classList.remove('ok', 'error', 'busy')
    if (state !== '') element.classList.add(state)
    element.textContent = text
  }
  return {
    element,
    busy: (text = '') => set('busy', text),
    ok: text => set('ok', text),
    fail: err => set('error', format(err)),
    clear: () => set('', '')
  }
}

/** A Copy button that says "Copied" for a moment; `value` is read when clicked. */
export function copyButton (value: () => string | null | undefined, attrs: Record<string, string> = {}): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'small', title: 'Copy to the clipboard', ...attrs }, 'Copy')
  let timer: ReturnType<typeof setTimeout> | undefined
  button.addEventListener('click', () => {
    const text = value()
    if (text == null || text === '') return
    void navigator.clipboard.writeText(text).then(() => {
      button.textContent = 'Copied'
      button.classList.add('copied')
      clearTimeout(timer)
      timer = setTimeout(() => { button.textContent = 'Copy'; button.classList.remove('copied') }, 1_500)
    }, () => { button.textContent = 'Copy failed' })
  })
  return button
}

/** A long id cut with an ellipsis (the full value stays in the text, the title and on copy). */
export function idCode (value: string, attrs: Record<string, string> = {}): HTMLElement {
  return h('code', { class: 'id', title: value, ...attrs }, value)
}

/** A long id with its Copy button. */
export function copyableId (value: string, attrs: Record<string, string> = {}): HTMLElement {
  return h('span', { class: 'with-copy' }, idCode(value, attrs), copyButton(() => value))
}

/**
 * Labels every table cell from its column header (`data-label`), so the narrow-screen
 * stylesheet can show each row as a card; cells added later are labelled as they come.
 */
export function labelTableCells (root: ParentNode = document): void {
  const label = (body: HTMLTableSectionElement): void => {
    const headers = [...(body.closest('table')?.querySelectorAll('thead th') ?? [])].map(th => th.textContent?.trim() ?? '')
    for (const row of body.rows) {
      [...row.cells].forEach((cell, i) => { if (!cell.hasAttribute('data-label')) cell.dataset.label = headers[i] ?? '' })
    }
  }
  const bodies = [...root.querySelectorAll<HTMLTableSectionElement>('tbody')]
  const observer = new MutationObserver(() => { for (const body of bodies) label(body) })
  for (const body of bodies) {
    label(body)
    observer.observe(body, { childList: true })
  }
}
