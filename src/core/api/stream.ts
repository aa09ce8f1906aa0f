/**
 * libp2p 3 streams are message streams (`send`, async iteration), while
 * it-length-prefixed-stream 3 wants a `{ source, sink }` duplex: this bridges
 * them and frames JSON over the result.
 */
import { lpStream } from 'it-length-prefixed-stream'
import type { LengthPrefixedStream } from 'it-length-prefixed-stream'
import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface StreamDuplex {
  source: AsyncIterable<Uint8Array | Uint8ArrayList>
  sink (source: AsyncIterable<Uint8Array | Uint8ArrayList>): Promise<void>
}

export function streamDuplex (stream: Stream): StreamDuplex {
  return {
    source: stream,
    async sink (source) {
      for await (const chunk of source) {
        if (!stream.send(chunk)) await stream.onDrain()
      }
    }
  }
}

export function frameStream (stream: Stream, maxMessageBytes: number): LengthPrefixedStream<StreamDuplex> {
  return lpStream(streamDuplex(stream), { maxDataLength: maxMessageBytes })
}
