/**
 * The path gateway: `GET|HEAD /ipfs/<cid>[/path]` answered from the blockstore (and
 * the network when a block is not local). Runtime-agnostic: standard Request/Response.
 *
 * One entry: parse the URL and what the client asks for, resolve the path, then try
 * the candidate representations best first (negotiate.ts) with the handler the table
 * in handlers/index.ts names for each.
 */
import { redactError } from '../util/redact-url.ts'
import { createBlockSource } from './block-source.ts'
import { BlockUnavailableError, NotAcceptableError } from './errors.ts'
import { toCafeError } from '../errors.ts'
import { selectHandler } from './handlers/index.ts'
import { parseDagScope, parseEntityBytes, parseFormatRequest, TRUSTLESS_FORMATS } from './negotiate.ts'
import { asMutable, IPNS_PREFIX, ipnsRecordResponse, resolveIpnsUrl, wantsIpnsRecord } from './ipns.ts'
import { parseGatewayUrl } from './parse-url.ts'
import { resolvePath } from './resolve-path.ts'
import {
  badRequestResponse, errorToResponse, methodNotAllowedResponse, notFoundResponse,
  preconditionFailedResponse, preflightResponse, withoutBody
} from './responses.ts'
import { DecryptedBlobs } from './decrypted-blob.ts'
import type { Aead } from '../crypto/index.ts'
import type { DecryptedBlobInit } from './decrypted-blob.ts'
import type { BlobSource } from './file-blob.ts'
import type { HandlerContext } from './handlers/index.ts'
import type { IpnsResolver, IpnsTarget } from './ipns.ts'
import type { Candidate, FormatRequest, ResponseFormat } from './negotiate.ts'
import type { AbortOptions, ComponentLogger } from '../types.ts'
import type { Logger } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { ReadableStorage } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'

export interface GatewayComponents {
  blockstore: Pick<Blockstore, 'get' | 'has'>
  logger: ComponentLogger
  /** asks the network for a block that is not local; may be absent (offline). */
  fetchBlock?(cid: CID, options: AbortOptions): Promise<Uint8Array>
  /** local blocks as Blobs, so whole files are answered without copying (file-blob.ts) */
  blobs?: BlobSource
  /** the names the cafe hosts, for `/ipns/`; without it every name is 404 */
  names?: IpnsResolver
  /** opens encrypted files' segments for `?key=` (default WebCrypto) */
  aead?: Aead
  clock?: () => number
}

export interface GatewayInit {
  /** how long one missing block may take to arrive from the network (default 10 s) */
  networkTimeoutMs?: number
  /** decrypted files answered as Blobs, when the gateway has `blobs` (decrypted-blob.ts) */
  decryptedBlobs?: DecryptedBlobInit
}

export interface Gateway {
  fetch(request: Request, options?: AbortOptions): Promise<Response>
}

export const DEFAULT_NETWORK_TIMEOUT_MS = 10_000

const PREFIX = '/ipfs/'

class PathGateway implements Gateway {
  private readonly blockstore: Pick<Blockstore, 'has'>
  /** local blocks, then the network (deserialized responses: a recursive gateway) */
  private readonly blocks: ReadableStorage
  /** local blocks only (trustless responses: a P2P retrieval endpoint does not search) */
  private readonly localBlocks: ReadableStorage
  private readonly blobs?: BlobSource
  private readonly decryptedBlobs?: DecryptedBlobs
  private readonly names?: IpnsResolver
  private readonly aead?: Aead
  private readonly clock: () => number
  private readonly log: Logger

  constructor (components: GatewayComponents, init: GatewayInit) {
    const networkTimeoutMs = init.networkTimeoutMs ?? DEFAULT_NETWORK_TIMEOUT_MS
    this.blockstore = components.blockstore
    this.blocks = createBlockSource(components, { networkTimeoutMs })
    this.localBlocks = createBlockSource({ blockstore: components.blockstore }, { networkTimeoutMs })
    this.blobs = components.blobs
    const decryptedBlobs = new DecryptedBlobs(init.decryptedBlobs)
    if (components.blobs != null && decryptedBlobs.maxBytes > 0) this.decryptedBlobs = decryptedBlobs
    this.names = components.names
    this.aead = components.aead
    this.clock = components.clock ?? Date.now
    this.log = components.logger.forComponent('cafe:gateway')
  }

  async fetch (request: Request, options: AbortOptions = {}): Promise<Response> {
    if (request.method === 'OPTIONS') return preflightResponse()
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowedResponse()
    const response = await this.answer(request, options)
    return request.method === 'HEAD' ? withoutBody(response) : response
  }

  private async answer (request: Request, options: AbortOptions): Promise<Response> {
    const url = new URL(request.url)
    const mutable = url.pathname.startsWith(IPNS_PREFIX)
    if (!url.pathname.startsWith(PREFIX) && !mutable) return notFoundResponse('only /ipfs/ and /ipns/ paths are served here')
    // a pinned script must never become a Service Worker for the cafe's origin
    if (request.headers.get('Service-Worker') === 'script') {
      return badRequestResponse(`content under ${mutable ? IPNS_PREFIX : PREFIX} cannot be registered as a Service Worker`, 'SERVICE_WORKER_REFUSED')
    }
    if (wantsIpnsRecord(url, request.headers.get('Accept'))) {
      if (!mutable) return badRequestResponse('an IPNS record is only served under /ipns/', 'UNSUPPORTED_FORMAT')
      try {
        return await ipnsRecordResponse(request, url, this.names, this.clock, { signal: anySignal(request.signal, options.signal) })
      } catch (err) {
        return this.errorResponse(err, false, false)
      }
    }
    let ipns: IpnsTarget | undefined
    if (mutable) {
      try {
        ipns = await resolveIpnsUrl(url, this.names, this.clock, { signal: anySignal(request.signal, options.signal) })
      } catch (err) {
        return this.errorResponse(err, false, false)
      }
    }
    const response = await this.serve(request, url, ipns, options)
    return ipns == null ? response : asMutable(response, ipns)
  }

  private async serve (request: Request, url: URL, ipns: IpnsTarget | undefined, options: AbortOptions): Promise<Response> {

    let trustless = false
    let onlyIfCached = false
    try {
      const target = ipns?.target ?? parseGatewayUrl(url)
      const formats = parseFormatRequest(target.query, request.headers.get('Accept'))
      const dagScope = parseDagScope(target.query)
      const entityBytes = parseEntityBytes(target.query)
      const signal = anySignal(request.signal, options.signal)
      trustless = TRUSTLESS_FORMATS.has(formats.candidates[0])
      // only-if-cached: nothing may come from the network (path gateway spec)
      onlyIfCached = /\bonly-if-cached\b/i.test(request.headers.get('Cache-Control') ?? '')
      const blocks = trustless || onlyIfCached ? this.localBlocks : this.blocks

      if (onlyIfCached && !(await this.blockstore.has(target.cid, { signal }))) {
        return preconditionFailedResponse(`${target.cid} is not stored here`)
      }

      const resolved = await resolvePath(blocks, target.cid, target.segments, { signal })
      const { candidates } = formats
      for (let i = 0; ; i++) {
        const candidate = candidates[i]
        const ctx: HandlerContext = {
          request,
          target,
          resolved,
          candidate,
          format: isFormat(candidate) ? candidate : undefined,
          contentLocation: contentLocation(url, formats, candidate),
          dagScope,
          entityBytes,
          car: formats.car,
          blocks,
          blobs: this.blobs,
          decryptedBlobs: this.decryptedBlobs,
          aead: this.aead,
          log: this.log,
          signal
        }
        try {
          return await selectHandler(candidate, resolved.cid, target.query)(ctx)
        } catch (err) {
          // this representation does not fit the content: try the client's next choice
          if (err instanceof NotAcceptableError && i + 1 < candidates.length) continue
          throw err
        }
      }
    } catch (err) {
      return this.errorResponse(err, trustless, onlyIfCached)
    }
  }

  /**
   * A block that cannot be had is 404 where the gateway knows it is not part of what
   * it serves: for trustless requests (it does not search the network for them) and
   * when it has no network at all. Otherwise it is 504 with Retry-After: the network
   * may deliver it later.
   */
  private errorResponse (err: unknown, trustless: boolean, onlyIfCached: boolean): Response {
    if (err instanceof BlockUnavailableError) {
      this.log('block unavailable %c: %s', err.cid, err.message)
      if (onlyIfCached) return preconditionFailedResponse(`${err.cid} is not stored here`)
      if (trustless || err.offline) return notFoundResponse(`${err.cid} is not stored here`, 'BLOCK_NOT_FOUND')
    } else if (toCafeError(err).status === 500) {
      // an abort (499) or a timeout (504) is no fault of the gateway; an error may quote the request's URL, and with it a `?key=`
      this.log.error('gateway failed - %s', redactError(err))
    }
    return errorToResponse(err)
  }
}

function isFormat (candidate: Candidate): candidate is ResponseFormat {
  return candidate !== 'default' && candidate !== 'html'
}

/**
 * The URL that names this representation by query alone, when Accept took part in
 * choosing it (the format, or CAR parameters, or a format the query overrode): caches
 * then keep the block, the CAR and the file apart.
 */
function contentLocation (url: URL, formats: FormatRequest, candidate: Candidate): string | undefined {
  if (!isFormat(candidate)) return undefined
  const car = candidate === 'car'
  if (formats.explicit && !formats.acceptNamesFormat && !(car && formats.car.fromAccept)) return undefined
  const query = new URLSearchParams(url.search)
  query.set('format', candidate)
  if (car) for (const [name, value] of formats.car.given) query.set(name, value)
  return `${url.pathname}?${query.toString()}`
}

function anySignal (...signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = [...new Set(signals.filter((s): s is AbortSignal => s != null))]
  return present.length <= 1 ? present[0] : AbortSignal.any(present)
}

export function createGateway (components: GatewayComponents, init: GatewayInit = {}): Gateway {
  return new PathGateway(components, init)
}
