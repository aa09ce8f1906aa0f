/**
 * An async iterable as a pull-based ReadableStream that reads at most `highWaterMark`
 * chunks (two by default) ahead of the consumer (so block reads overlap the transfer),
 * and cancelling the stream ends the iterator (stops block reads).
 */
export function toReadableStream (source: AsyncIterable<Uint8Array>, highWaterMark = 2): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>({
    async pull (controller) {
      try {
        const { done, value } = await iterator.next()
        if (done === true) {
          controller.close()
        } else {
          controller.enqueue(value)
        }
      } catch (err) {
        controller.error(err)
      }
    },
    async cancel () {
      await iterator.return?.()
    }
  }, { highWaterMark })
}
