/**
 * Comlink sends a thrown Error as { name, message, stack } only; the cafe's errors
 * carry a stable `code` and an HTTP `status` the console and the Service Worker act
 * on. Importing this module in both ends of a channel keeps them.
 */
import * as Comlink from 'comlink'

interface Thrown { value: unknown }

const defaultThrow = Comlink.transferHandlers.get('throw') as Comlink.TransferHandler<Thrown, unknown>

Comlink.transferHandlers.set('throw', {
  canHandle: defaultThrow.canHandle,
  serialize ({ value }: Thrown) {
    if (!(value instanceof Error)) return defaultThrow.serialize({ value })
    const { code, status } = value as Error & { code?: unknown, status?: unknown }
    return [{ isError: true, value: { name: value.name, message: value.message, stack: value.stack, code, status } }, []]
  },
  deserialize: defaultThrow.deserialize
} satisfies Comlink.TransferHandler<Thrown, unknown>)
