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
  const { message, code } = err as { message?: string, code?: string }
  target.textContent = `${message ?? String(err)}${code != null ? ` (${code})` : ''}`
  target.classList.add('error')
}
