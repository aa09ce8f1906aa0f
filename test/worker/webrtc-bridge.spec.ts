import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebRtcBridge } from '../../src/worker/webrtc/bridge.ts'
import { NO_HOST_MESSAGE } from '../../src/worker/webrtc/protocol.ts'
import type { HostToWorker, WorkerToHost } from '../../src/worker/webrtc/protocol.ts'

const tick = async (ms = 10): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** A fake page: records what the worker asks, answers pings unless told to stay silent. */
function fakeHost (bridge: WebRtcBridge, id: string, { silent = false } = {}): { received: WorkerToHost[], send(message: HostToWorker, transfer?: Transferable[]): void, close(): void } {
  const { port1, port2 } = new MessageChannel()
  const received: WorkerToHost[] = []
  port2.onmessage = ({ data }: MessageEvent<WorkerToHost>) => {
    received.push(data)
    if (data.t === 'ping' && !silent) port2.postMessage({ t: 'reply', call: data.call, ok: true })
  }
  bridge.attachHost(port1, id)
  return { received, send: (message, transfer = []) => { port2.postMessage(message, transfer) }, close: () => { port2.close() } }
}

describe('the WebRTC bridge (worker side)', () => {
  const hosts: Array<{ close(): void }> = []
  afterEach(() => { hosts.splice(0).forEach(host => { host.close() }) })

  /** A bridge with one page hosting, a peer connection, and the channels the remote opens on it. */
  function connectedPage (): { bridge: WebRtcBridge, host: ReturnType<typeof fakeHost>, pc: ReturnType<WebRtcBridge['createPeerConnection']>, channels: any[] } {
    const bridge = new WebRtcBridge()
    const host = fakeHost(bridge, 'page')
    hosts.push(host)
    const pc = bridge.createPeerConnection()
    const channels: any[] = []
    pc.ondatachannel = ({ channel }) => { channels.push(channel) }
    return { bridge, host, pc, channels }
  }

  it('with no page open, a peer connection fails at once with the console\'s message instead of hanging', async () => {
    const bridge = new WebRtcBridge()
    const { RTCPeerConnection } = bridge.classes()
    const pc = new RTCPeerConnection()
    expect(pc.connectionState).toBe('failed')
    await expect(pc.setRemoteDescription({ type: 'offer', sdp: 'v=0' })).rejects.toThrow(NO_HOST_MESSAGE)
    await expect(pc.createOffer()).rejects.toMatchObject({ code: 'WEBRTC_NO_HOST' })
    expect(() => pc.createDataChannel('init')).toThrow(NO_HOST_MESSAGE)
    expect(bridge.status()).toMatchObject({ host: null, hosts: 0, message: NO_HOST_MESSAGE, peerConnections: [] })
  })

  it('calls go to the page and come back; a page that stops answering pings is dropped and the next one hosts', async () => {
    // Node loads its messaging on the first message (about 50 ms on a busy machine): the
    // ping interval leaves room for that, or the answering page misses its first ping too
    // (ping intervals long enough that a loaded 2-core machine still answers in time)
    const bridge = new WebRtcBridge({ pingMs: 500 })
    const silent = fakeHost(bridge, 'silent', { silent: true })
    const answering = fakeHost(bridge, 'answering')
    hosts.push(silent, answering)
    expect(bridge.status().host?.id).toBe('silent')
    await vi.waitFor(() => { expect(bridge.status()).toMatchObject({ host: { id: 'answering' }, hosts: 1 }) }, { timeout: 4_000, interval: 50 })

    const pc = bridge.createPeerConnection({ iceServers: [] })
    await tick()
    expect(answering.received.find(message => message.t === 'pc.create')).toMatchObject({ pc: pc.handle, config: { iceServers: [] } })
    const offer = pc.createOffer()
    await tick()
    const call = answering.received.find(message => message.t === 'pc.call') as Extract<WorkerToHost, { t: 'pc.call' }>
    expect(call).toMatchObject({ method: 'createOffer' })
    answering.send({ t: 'reply', call: call.call, ok: true, value: { type: 'offer', sdp: 'v=0 offer' } })
    expect(await offer).toEqual({ type: 'offer', sdp: 'v=0 offer' })
  })

  it('a channel the remote opened carries bytes both ways, and bufferedAmount drains only when the page says so', async () => {
    const { bridge, host, pc, channels } = connectedPage()
    host.send({ t: 'pc.state', pc: pc.handle, state: { connectionState: 'connected', iceConnectionState: 'connected', iceGatheringState: 'complete', signalingState: 'stable' } })
    host.send({ t: 'pc.datachannel', pc: pc.handle, dc: 'h1', label: '', protocol: '', id: 1, readyState: 'open' })
    const bytes = new Uint8Array([1, 2, 3]).buffer
    host.send({ t: 'dc.message', dc: 'h1', data: bytes }, [bytes])
    const messages: number[][] = []
    await tick()
    expect(pc.connectionState).toBe('connected')
    const [channel] = channels
    expect(channel).toMatchObject({ id: 1, readyState: 'open' })
    channel.onmessage = ({ data }: MessageEvent<ArrayBuffer>) => { messages.push([...new Uint8Array(data)]) }
    const again = new Uint8Array([4]).buffer
    host.send({ t: 'dc.message', dc: 'h1', data: again }, [again])
    await tick()
    expect(messages).toEqual([[4]])

    let low = 0
    channel.onbufferedamountlow = () => { low++ }
    channel.send(new Uint8Array(1000))
    channel.send(new Uint8Array(500))
    expect(channel.bufferedAmount).toBe(1500)
    await tick()
    expect(host.received.filter(message => message.t === 'dc.send').map(message => (message as { data: ArrayBuffer }).data.byteLength)).toEqual([1000, 500])
    host.send({ t: 'dc.drained', dc: 'h1', bytes: 1000 })
    await tick()
    expect([channel.bufferedAmount, low]).toEqual([500, 0])
    host.send({ t: 'dc.drained', dc: 'h1', bytes: 1500 })
    await tick()
    expect([channel.bufferedAmount, low]).toEqual([0, 1])
    expect(bridge.status().peerConnections[0]).toMatchObject({ bytesIn: 4, bytesOut: 1500, channels: 1 })
  })

  it('when the page hosting a connection closes, the connection fails and its channels close', async () => {
    const bridge = new WebRtcBridge()
    const host = fakeHost(bridge, 'page')
    hosts.push(host)
    const pc = bridge.createPeerConnection()
    const channel = pc.createDataChannel('x')
    const states: string[] = []
    pc.onconnectionstatechange = () => { states.push(pc.connectionState) }
    let closed = false
    channel.onclose = () => { closed = true }
    host.send({ t: 'bye' })
    await tick()
    expect(states).toEqual(['failed'])
    expect([closed, channel.readyState]).toEqual([true, 'closed'])
    expect(bridge.status()).toMatchObject({ host: null, message: NO_HOST_MESSAGE })
    expect(() => { channel.send(new Uint8Array(1)) }).toThrow(/closed/)
  })

  it('closing the dialer\'s init channel is left to the dialer, so its dial cannot hang on an early close', async () => {
    const { host, pc, channels } = connectedPage()
    host.send({ t: 'pc.datachannel', pc: pc.handle, dc: 'h1', label: 'init', protocol: '', id: 0, readyState: 'open' })
    host.send({ t: 'pc.datachannel', pc: pc.handle, dc: 'h2', label: '', protocol: '', id: 1, readyState: 'open' })
    await tick()
    const [init, other] = channels
    init.close()
    other.close()
    await tick()
    const closes = host.received.filter(message => message.t === 'dc.close').map(message => (message as { dc: string }).dc)
    expect(closes).toEqual(['h2'])
    // the dialer closes it: the worker's channel closes without ever asking the page to
    let closed = false
    init.onclose = () => { closed = true }
    host.send({ t: 'dc.state', dc: 'h1', readyState: 'closed', id: 0 })
    await tick()
    expect([closed, init.readyState]).toEqual([true, 'closed'])
    expect(host.received.filter(message => message.t === 'dc.close').length).toBe(1)
  })
})
