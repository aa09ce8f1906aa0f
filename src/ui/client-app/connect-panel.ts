/**
 * "Connect with a cafe address": starts a small libp2p node in this page (WebRTC,
 * WebSockets and the relayed circuit), dials the cafe named by the address (typed in, or
 * from `#cafe=<address>` in the URL), and hands the app a transport over that connection
 * instead of HTTP, so this page can use a cafe running in another browser.
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { addressFromLink } from '../../core/address/index.ts'
import { connectCafe, type CafeLink } from '../../client/connect.ts'
import { byTestId } from '../dom.ts'
import type { CafeTransport } from '../../client/transport.ts'

export interface ConnectPanelInit {
  /** the app switches its client to this transport */
  onConnected(transport: CafeTransport, link: CafeLink): Promise<void>
  fail(err: unknown): void
}

let node: Promise<Libp2p> | undefined

/** A libp2p node for a page that only dials cafes. Private addresses are allowed (development, tests). */
export async function createClientNode (): Promise<Libp2p> {
  return createLibp2p({
    transports: [webRTC(), webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify() }
  })
}

function clientNode (): Promise<Libp2p> {
  node ??= createClientNode()
  return node
}

/** The cafe address in this page's URL (`#cafe=<address>`), if any. */
export function cafeAddressInUrl (): string | undefined {
  try {
    return addressFromLink(location.href)
  } catch {
    return undefined
  }
}

export function mountConnect (init: ConnectPanelInit): { connect(address: string): Promise<CafeLink> } {
  const form = byTestId<HTMLFormElement>('connect-form')
  const input = byTestId<HTMLInputElement>('cafe-address-input')
  const state = byTestId('connect-state')
  const remote = byTestId('connection-remote')

  const show = (link: CafeLink): void => {
    state.textContent = `connected over ${link.via}`
    state.dataset.transport = link.via
    remote.textContent = link.connection.remoteAddr.toString()
  }

  const connect = async (address: string): Promise<CafeLink> => {
    state.classList.remove('error')
    state.textContent = 'connecting…'
    delete state.dataset.transport
    try {
      const link = await connectCafe(await clientNode(), address, { attemptTimeoutMs: 15_000 })
      show(link)
      link.connection.addEventListener('close', () => { state.textContent = 'connection closed; the next request redials' })
      ;(globalThis as { cafeLink?: CafeLink }).cafeLink = link
      await init.onConnected(link.transport, link)
      show(link)
      return link
    } catch (err) {
      state.classList.add('error')
      state.textContent = `could not connect: ${(err as Error).message}`
      throw err
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void connect(input.value).catch(init.fail)
  })
  const fromUrl = cafeAddressInUrl()
  if (fromUrl != null) input.value = fromUrl
  return { connect }
}
