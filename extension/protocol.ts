/**
 * How an extension page reaches the cafe in the offscreen document. Extension pages and
 * the offscreen document share the extension's origin but hold no reference to each
 * other; the service worker sees both, so a page posts it one end of a MessageChannel
 * and the service worker hands that end on to the offscreen document. The page and the
 * cafe then talk directly (comlink), also after Chrome stops the service worker.
 *
 * Before any comlink call, the port carries one message of this protocol: `ready` from
 * the offscreen document, or `error` from the service worker when it could not reach it.
 */
export const CONNECT_MESSAGE = 'cafe-extension:connect'
export const READY_MESSAGE = 'cafe-extension:ready'
export const ERROR_MESSAGE = 'cafe-extension:error'

export type ExtensionMessage =
  | { type: typeof CONNECT_MESSAGE }
  | { type: typeof READY_MESSAGE }
  | { type: typeof ERROR_MESSAGE, message: string }

export function isExtensionMessage<T extends ExtensionMessage['type']> (data: unknown, type: T): data is Extract<ExtensionMessage, { type: T }> {
  return (data as ExtensionMessage | null)?.type === type
}
