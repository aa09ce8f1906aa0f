/**
 * Inbox addresses are multiaddrs (contacts carry them). A cafe reached over HTTP is
 * named `/ip4|ip6|dns4|dns6|dns/<host>/tcp/<port>/http[s]/p2p/<cafe>`; any other
 * multiaddr is dialled over libp2p. This turns one into a transport to deliver through.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { BadRequestError } from '../core/errors.ts'
import { HttpTransport } from './http-transport.ts'
import { Libp2pTransport, type ProtocolDialer } from './libp2p-transport.ts'
import type { CafeTransport } from './transport.ts'

const HOSTS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6'])

/** The inbox address of a cafe served at `baseUrl` (an http(s) origin). */
export function httpInboxAddress (baseUrl: string, cafePeerId: string): string {
  const url = new URL(baseUrl)
  const secure = url.protocol === 'https:'
  const port = url.port !== '' ? url.port : secure ? '443' : '80'
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const kind = /^\d+\.\d+\.\d+\.\d+$/.test(host) ? 'ip4' : host.includes(':') ? 'ip6' : 'dns'
  return `/${kind}/${host}/tcp/${port}/${secure ? 'https' : 'http'}/p2p/${cafePeerId}`
}

/** The http(s) base URL of an HTTP inbox address, or undefined for a libp2p one. */
export function httpBaseUrl (address: Multiaddr): string | undefined {
  const components = address.getComponents()
  const web = components.find(c => c.name === 'http' || c.name === 'https')
  if (web == null) return undefined
  const host = components.find(c => HOSTS.has(c.name))
  const port = components.find(c => c.name === 'tcp')
  if (host?.value == null || port?.value == null) throw new BadRequestError(`no host and port in ${address.toString()}`, 'INBOX_ADDRESS_INVALID')
  const hostname = host.name === 'ip6' ? `[${host.value}]` : host.value
  return `${web.name}://${hostname}:${port.value}`
}

/**
 * The inbox addresses of a cafe reached with a cafe address: its multiaddrs (each ends in
 * `/p2p/<cafe>`), in the address's order (WebRTC first), at most `max` of them (a contact holds up to 8).
 */
export function libp2pInboxAddresses (cafe: { multiaddrs: Array<Multiaddr | string> }, max = 4): string[] {
  return cafe.multiaddrs.map(String).filter(address => address.length <= 512).slice(0, max)
}

export interface InboxTransportOptions {
  /** a libp2p node, for inbox addresses that are not HTTP */
  libp2p?: ProtocolDialer
  fetch?: (request: Request) => Promise<Response>
  /**
   * the transport already connected to a cafe, by its peer id: an inbox of that cafe is
   * reached through it, whatever the address says (HTTP on another site, another relay)
   */
  connected?(cafe: string): CafeTransport | undefined
}

export function transportForInbox (address: string, options: InboxTransportOptions = {}): CafeTransport {
  let parsed: Multiaddr
  try {
    parsed = multiaddr(address)
  } catch {
    throw new BadRequestError(`not a multiaddr: ${address}`, 'INBOX_ADDRESS_INVALID')
  }
  const cafe = parsed.getComponents().findLast(c => c.name === 'p2p')?.value
  const connected = cafe != null ? options.connected?.(cafe) : undefined
  if (connected != null) return connected
  const base = httpBaseUrl(parsed)
  if (base != null) return new HttpTransport(base, { fetch: options.fetch, cafe })
  if (options.libp2p == null) throw new BadRequestError(`${address} needs a libp2p node to reach`, 'LIBP2P_REQUIRED')
  return new Libp2pTransport(options.libp2p, parsed)
}
