import { bases } from 'multiformats/basics'
import { CID } from 'multiformats/cid'
import { BadRequestError } from '../errors.ts'
import type { MultibaseDecoder } from 'multiformats/bases/interface'

const ALL_BASES = Object.values(bases)

/** CID.parse knows base58btc, base32 and base36 alone; this adds every basic multibase. */
const anyBase: MultibaseDecoder<string> = {
  decode (text: string): Uint8Array<ArrayBuffer> {
    const base = ALL_BASES.find(b => text.startsWith(b.prefix))
    if (base == null) throw new Error('unknown multibase prefix')
    return base.decoder.decode(text) as Uint8Array<ArrayBuffer>
  }
}

export interface ParseCidOptions {
  /** the error code of the BadRequestError thrown for anything that is not a CID */
  code?: string
  /** longer strings are refused before parsing */
  maxLength?: number
}

/** A CID from its string form in any basic multibase; a BadRequestError for anything else. */
export function parseCid (value: unknown, options: ParseCidOptions = {}): CID {
  const code = options.code ?? 'INVALID_CID'
  if (typeof value !== 'string' || value.length === 0 || value.length > (options.maxLength ?? Infinity)) {
    throw new BadRequestError('expected a CID string', code)
  }
  try {
    return CID.parse(value, anyBase)
  } catch {
    throw new BadRequestError(`invalid CID: ${value.slice(0, 100)}`, code)
  }
}
