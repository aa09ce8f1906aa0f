/**
 * The path gateway: `GET|HEAD /ipfs/<cid>[/path]` answered from the blockstore (and
 * the network when a block is not local). Runtime-agnostic: standard Request/Response.
 */
import { createBlockSource } from './block-source.ts'
import { BlockUnavailableError } from './errors.ts'
import { selectHandler } from './handlers/index.ts'
import { negotiateFormat, parseDagScope } from './negotiate.ts'
import { parseGatewayUrl } from './parse-url.ts'
import { resolvePath } from './resolve-path.ts'
import {
  badRequestResponse, errorToResponse, methodNotAllowedResponse, notFoundResponse,
  preconditionFailedResponse, withoutBody
} from './responses.ts'
import type { BlobSource } from './file-blob.ts'
import type { HandlerContext } from './handlers/index.ts'
import type { ResponseFormat } from './negotiate.ts'
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
}

export interface GatewayInit {
  /** how long one missing block may take to arrive from the network (default 10 s) */
  networkTimeoutMs?: number
}

export interface Gateway {
  fetch(request: Request, options?: AbortOptions): Promise<Response>
}

export const DEFAULT_NETWORK_TIMEOUT_MS = 10_000

const PREFIX = '/ipfs/'

class PathGateway implements Gateway {
  private readonly blockstore: Pick<Blockstore, 'has'>
  private readonly blocks: ReadableStorage
  private readonly blobs?: BlobSource
  private readonly log: Logger

  constructor (components: GatewayComponents, init: GatewayInit) {
    this.blockstore = components.blockstore
    this.blocks = createBlockSource(components, { networkTimeoutMs: init.networkTimeoutMs ?? DEFAULT_NETWORK_TIMEOUT_MS })
    this.blobs = components.blobs
    this.log = components.logger.forComponent('cafe:gateway')
  }

  async fetch (request: Request, options: AbortOptions = {}): Promise<Response> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowedResponse()
    const response = await this.answer(request, options)
    return request.method === 'HEAD' ? withoutBody(response) : response
  }

  private async answer (request: Request, options: AbortOptions): Promise<Response> {
    const url = new URL(request.url)
    if (!url.pathname.startsWith(PREFIX)) return notFoundResponse('only /ipfs/ paths are served here')
    // a pinned script must never become a Service Worker for the cafe's origin
    if (request.headers.get('Service-Worker') === 'script') {
      return badRequestResponse('content under /ipfs/ cannot be registered as a Service Worker')
    }

    let format: ResponseFormat | undefined
    let root: CID | undefined
    try {
      const target = parseGatewayUrl(url)
      root = target.cid
      format = negotiateFormat(target.query, request.headers.get('Accept'))
      const dagScope = parseDagScope(target.query)
      const signal = anySignal(request.signal, options.signal)

      if (/\bonly-if-cached\b/i.test(request.headers.get('Cache-Control') ?? '') &&
        !(await this.blockstore.has(target.cid, { signal }))) {
        return preconditionFailedResponse(`${target.cid} is not stored here`)
      }

      const resolved = await resolvePath(this.blocks, target.cid, target.segments, { signal })
      const ctx: HandlerContext = { request, target, resolved, format, dagScope, blocks: this.blocks, blobs: this.blobs, log: this.log, signal }
      return await selectHandler(format, resolved.cid, target.query)(ctx)
    } catch (err) {
      return this.errorResponse(err, root, format)
    }
  }

  /**
   * A gateway without fetchBlock is non-recursive: for the trustless formats (raw, CAR)
   * the spec wants 404 when it does not hold the root block. Everything else that
   * cannot be retrieved is 504.
   */
  private errorResponse (err: unknown, root: CID | undefined, format: ResponseFormat | undefined): Response {
    if (err instanceof BlockUnavailableError) {
      this.log('block unavailable %c: %s', err.cid, err.message)
      if (err.offline && (format === 'raw' || format === 'car') && root?.equals(err.cid) === true) {
        return notFoundResponse(`${err.cid} is not stored here`)
      }
    } else if ((err as Error)?.name !== 'AbortError' && (err as { status?: number })?.status == null) {
      this.log.error('gateway failed - %e', err)
    }
    return errorToResponse(err)
  }
}

function anySignal (...signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = [...new Set(signals.filter((s): s is AbortSignal => s != null))]
  return present.length <= 1 ? present[0] : AbortSignal.any(present)
}

export function createGateway (components: GatewayComponents, init: GatewayInit = {}): Gateway {
  return new PathGateway(components, init)
}
