/**
 * Network benchmarks in a page of a second browser context, driven by
 * bench/node/network.bench.ts through `window.networkBench`: cafe address to registered
 * session, a 16 MiB CAR upload over WebRTC against the relayed circuit, and what the
 * WebRTC bridge costs against a native data channel.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { CafeClient, packCar } from '../../src/client/index.ts'
import { connectCafe } from '../../src/client/connect.ts'
import { createClientNode } from '../../src/ui/client-app/connect-panel.ts'
import { serveWebRtcHost } from '../../src/ui/webrtc-host.ts'
import { WebRtcBridge } from '../../src/worker/webrtc/bridge.ts'

const MiB = 1024 * 1024
const mbps = (bytes: number, ms: number): number => (bytes / 1e6) / (ms / 1000)
const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]

function randomBytes (bytes: number): Uint8Array {
  const out = new Uint8Array(bytes)
  for (let offset = 0; offset < bytes; offset += 65536) crypto.getRandomValues(out.subarray(offset, Math.min(bytes, offset + 65536)))
  return out
}

/** A fresh node and account each run: the time from the cafe address to a registered session. */
async function connect (address: string, token: string, runs: number, webrtc: boolean): Promise<{ p50: number, p90: number, via: string[], fallbacks: string[], retried: number }> {
  const times: number[] = []
  const fallbacks: string[] = []
  let retried = 0
  const via = new Set<string>()
  for (let run = 0; run < runs; run++) {
    const node = await createClientNode()
    const key = await generateKeyPair('Ed25519')
    const started = performance.now()
    const link = await connectCafe(node, address, { webrtc, attemptTimeoutMs: 10_000 })
    await new CafeClient({ privateKey: key, transport: link.transport }).register(token)
    times.push(performance.now() - started)
    via.add(link.via)
    if (link.attempts.length > 1) retried++
    if (webrtc && link.via !== 'webrtc') fallbacks.push(link.attempts.map(attempt => `${attempt.ms} ms ${attempt.error ?? 'ok'}`).join('; '))
    await node.stop()
  }
  return { p50: percentile(times, 0.5), p90: percentile(times, 0.9), via: [...via], fallbacks, retried }
}

/** The same-size CAR (different bytes, so nothing is deduplicated) uploaded over WebRTC and over the relayed circuit. */
async function transfer (address: string, token: string, mib: number): Promise<Record<string, number | string>> {
  const result: Record<string, number | string> = {}
  for (const webrtc of [true, false]) {
    const { car } = await packCar([{ path: 'bench.bin', content: randomBytes(mib * MiB) }])
    const node = await createClientNode()
    try {
      const link = await connectCafe(node, address, { webrtc })
      const client = new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport: link.transport })
      await client.register(token)
      const started = performance.now()
      await client.uploadCar(car, { name: 'bench' })
      result[`${link.via}_upload_mb_s`] = mbps(car.byteLength, performance.now() - started)
    } finally {
      await node.stop()
    }
  }
  return result
}

interface Channelish {
  readonly bufferedAmount: number
  bufferedAmountLowThreshold: number
  send(data: ArrayBuffer): void
  addEventListener(type: string, listener: () => void, options?: { once?: boolean }): void
}

/** Sends like @libp2p/webrtc does: 16 KiB messages, pause at 2 MiB buffered until fully drained. */
async function pump (channel: Channelish, bytes: number): Promise<void> {
  const chunk = new Uint8Array(16 * 1024)
  channel.bufferedAmountLowThreshold = 0
  for (let sent = 0; sent < bytes; sent += chunk.byteLength) {
    if (channel.bufferedAmount >= 2 * MiB) await new Promise<void>(resolve => { channel.addEventListener('bufferedamountlow', resolve, { once: true }) })
    channel.send(chunk.slice().buffer)
  }
}

/** Two peer connections in this page, signalled directly; the sender is native or bridged. */
async function pairRate (sender: RTCPeerConnection, mib: number): Promise<number> {
  const receiver = new RTCPeerConnection()
  sender.onicecandidate = ({ candidate }) => { if (candidate != null) void receiver.addIceCandidate(candidate.toJSON()) }
  receiver.onicecandidate = ({ candidate }) => { if (candidate != null) void sender.addIceCandidate(candidate.toJSON()) }
  const channel = sender.createDataChannel('bench')
  const total = mib * MiB
  const received = new Promise<number>(resolve => {
    receiver.ondatachannel = ({ channel: incoming }) => {
      let got = 0
      incoming.binaryType = 'arraybuffer'
      incoming.onmessage = ({ data }) => { got += (data as ArrayBuffer).byteLength; if (got >= total) resolve(performance.now()) }
    }
  })
  await sender.setLocalDescription(await sender.createOffer())
  await receiver.setRemoteDescription(sender.localDescription!)
  await receiver.setLocalDescription(await receiver.createAnswer())
  await sender.setRemoteDescription(receiver.localDescription!)
  await new Promise<void>(resolve => { channel.addEventListener('open', () => { resolve() }, { once: true }) })
  const started = performance.now()
  await pump(channel as unknown as Channelish, total)
  const rate = mbps(total, (await received) - started)
  sender.close()
  receiver.close()
  return rate
}

async function bridgeCost (mib: number): Promise<Record<string, number>> {
  const native = await pairRate(new RTCPeerConnection(), mib)
  const bridge = new WebRtcBridge()
  const { port1, port2 } = new MessageChannel()
  const stop = serveWebRtcHost(port2)
  bridge.attachHost(port1, 'bench')
  const bridged = await pairRate(bridge.createPeerConnection() as unknown as RTCPeerConnection, mib)
  stop()
  return { native_datachannel_mb_s: native, bridged_datachannel_mb_s: bridged, bridged_vs_native: bridged / native }
}

const networkBench = { connect, transfer, bridgeCost }
Object.assign(globalThis, { networkBench })
export type NetworkBench = typeof networkBench
