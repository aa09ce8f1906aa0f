/**
 * Gateway-specific errors. Each is a CafeError so its HTTP status travels with it.
 */
import { CafeError, TimeoutError } from '../errors.ts'
import type { CafeErrorCode } from '../errors.ts'
import type { CID } from 'multiformats/cid'

/** 406: none of the representations the client accepts can be produced. */
export class NotAcceptableError extends CafeError {
  static override name = 'NotAcceptableError'
  override name = 'NotAcceptableError'
  constructor (message: string, code: CafeErrorCode = 'NOT_ACCEPTABLE') { super(message, code, 406) }
}

/** 501: the content is in a shape this gateway cannot render. */
export class NotImplementedError extends CafeError {
  static override name = 'NotImplementedError'
  override name = 'NotImplementedError'
  constructor (message: string, code: CafeErrorCode = 'NOT_IMPLEMENTED') { super(message, code, 501) }
}

/** 502: the network answered with bytes that do not hash to the CID asked for. */
export class InvalidBlockError extends CafeError {
  static override name = 'InvalidBlockError'
  override name = 'InvalidBlockError'
  constructor (message: string, code: CafeErrorCode = 'BLOCK_INVALID') { super(message, code, 502) }
}

/**
 * 504: a block is neither local nor retrievable in time. `offline` is true when the
 * gateway has no way to ask the network, so the block is definitively not here.
 */
export class BlockUnavailableError extends TimeoutError {
  static override name = 'BlockUnavailableError'
  override name = 'BlockUnavailableError'
  readonly cid: CID
  readonly offline: boolean

  constructor (cid: CID, offline: boolean, message = `block ${cid} could not be retrieved`) {
    super(message, 'BLOCK_UNAVAILABLE')
    this.cid = cid
    this.offline = offline
  }
}
