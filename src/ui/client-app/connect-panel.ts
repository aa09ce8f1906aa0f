/**
 * "Connect with a cafe address": starts a small client node in this page (libp2p with
 * WebRTC, WebSockets and the relayed circuit, and bitswap), dials the cafe named by the
 * address (typed in, remembered from last time, or from `#cafe=<address>` in the URL), and
 * hands the app a transport over that connection instead of HTTP, so this page can use a
 * cafe running in another browser. Content comes over the same connection: the page
 * serves the origin's Service Worker blocks from the cafe, so `/ipfs/` links open here.
 */
import { addressFromLink, decodeCafeAddress, type CafeAddress } from '../../core/address/index.ts'
import { cafeBlockFetcher } from '../../client/cafe-blocks.ts'
import { createCafeClientNode, type ClientHelia } from '../../client/client-node.ts'
import { connectCafe, type CafeLink } from '../../client/connect.ts'
import { registerCafeGateway } from '../../client/register-gateway.ts'
import { SERVICE_WORKER_URL } from '../service-worker.ts'
import { byTestId } from '../dom.ts'
import type { BlockServer } from '../../client/block-link.ts'
import type { CafeTransport } from '../../client/transport.ts'
import type { Libp2p } from '@libp2p/interface'

export interface ConnectPanelInit {
  /** the app switches its client to this transport */
  onConnected(transport: CafeTransport, link: CafeLink, cafe: CafeAddress): Promise<void>
  fail(err: unknown): void
}

const LAST_ADDRESS_KEY = 'cafe-client:cafe-address'

let node: Promise<ClientHelia> | undefined

/** A libp2p node for a page that only dials cafes (the network bench uses it too). */
export async function createClientNode (): Promise<Libp2p> {
  return (await createCafeClientNode()).libp2p
}

/** This page's client node, started on first use. */
export function clientNode (): Promise<ClientHelia> {
  node ??= createCafeClientNode()
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

/** The cafe address this browser connected to last, if any. */
export function rememberedCafeAddress (): string | undefined {
  return localStorage.getItem(LAST_ADDRESS_KEY) ?? undefined
}

/** `12D3Ko…wXyZ` */
export function shortId (id: string): string {
  return id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-4)}` : id
}

export interface ConnectPanel {
  connect(address: string): Promise<CafeLink>
  /** says there is no cafe in this browser, and offers to connect to one */
  offer(reason: string): void
}

export function mountConnect (init: ConnectPanelInit): ConnectPanel {
  const form = byTestId<HTMLFormElement>('connect-form')
  const input = byTestId<HTMLInputElement>('cafe-address-input')
  const state = byTestId('connect-state')
  const remote = byTestId('connection-remote')
  let blocks: BlockServer | undefined

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
      const cafe = decodeCafeAddress(address)
      const helia = await clientNode()
      const link = await connectCafe(helia.libp2p, cafe, { attemptTimeoutMs: 15_000 })
      localStorage.setItem(LAST_ADDRESS_KEY, address.trim())
      show(link)
      link.connection.addEventListener('close', () => { state.textContent = 'connection closed; the next request redials' })
      ;(globalThis as { cafeLink?: CafeLink }).cafeLink = link
      await init.onConnected(link.transport, link, cafe)
      show(link)
      // /ipfs/ on this origin answered from this cafe (the Service Worker checks every block)
      blocks?.close()
      blocks = await registerCafeGateway(SERVICE_WORKER_URL, cafeBlockFetcher(helia, link), { cafe: link.peerId.toString() })
      state.dataset.gateway = 'ready'
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
  input.value = cafeAddressInUrl() ?? rememberedCafeAddress() ?? ''
  return {
    connect,
    offer (reason) {
      state.classList.remove('error')
      state.dataset.state = 'no-cafe'
      state.textContent = `${reason} Connect to a cafe with its address (a cafe:… address or link from the cafe's owner).`
      input.focus()
    }
  }
}
