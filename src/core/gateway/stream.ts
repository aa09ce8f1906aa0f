/**
 * Async iterables as response bodies.
 *
 * A body is cancelled whenever a client goes away, at any byte, and its source may be
 * failing at that very moment (its signal aborted): nothing here may turn either into
 * a rejected promise that nobody handles, which would end a Node process.
 */

const ignore = (): void => {}

/**
 * An async iterable as a pull-based ReadableStream that reads at most `highWaterMark`
 * chunks (two by default) ahead of the consumer (so block reads overlap the transfer).
 * Cancelling the stream ends the iterator (stops block reads); a source that fails
 * errors the stream (the client sees a broken transfer, never a clean short body).
 */
export function toReadableStream (source: AsyncIterable<Uint8Array>, highWaterMark = 2): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]()
  let cancelled = false
  return new ReadableStream<Uint8Array>({
    async pull (controller) {
      try {
        const { done, value } = await iterator.next()
        if (cancelled) return
        if (done === true) controller.close()
        else controller.enqueue(value)
      } catch (err) {
        // after a cancel, error() is a no-op; before, it fails the body for the reader
        if (!cancelled) controller.error(err)
      }
    },
    async cancel () {
      cancelled = true
      // return() waits for a pending next(); whatever either does now concerns nobody
      await iterator.return?.()?.catch(ignore)
    }
  }, { highWaterMark })
}

/**
 * Reads the first chunk of `source` before handing it out as a stream, so a failure
 * there (a missing first block, a first segment that does not authenticate) is thrown
 * here, while an error status can still be sent, not after a 200.
 */
export async function primedStream (source: AsyncIterable<Uint8Array>, highWaterMark = 2): Promise<ReadableStream<Uint8Array>> {
  const iterator = source[Symbol.asyncIterator]()
  let first: IteratorResult<Uint8Array> | undefined = await iterator.next()
  const primed: AsyncIterator<Uint8Array> = {
    async next () {
      if (first == null) return iterator.next()
      const result = first
      first = undefined
      return result
    },
    async return () {
      first = undefined
      await iterator.return?.()?.catch(ignore)
      return { done: true, value: undefined }
    }
  }
  return toReadableStream({ [Symbol.asyncIterator]: () => primed }, highWaterMark)
}

/** Ends an iterator that will not be read, without leaving its failure unhandled. */
export function discard (source: AsyncIterable<unknown>): void {
  const iterator = source[Symbol.asyncIterator]()
  void iterator.return?.()?.catch(ignore)
}
