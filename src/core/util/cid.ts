import { bases } from 'multiformats/basics'
import { CID } from 'multiformats/cid'
import { InvalidCIDError } from '../errors.ts'
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
  /** longer strings are refused before parsing */
  maxLength?: number
}

/** A CID from its string form in any basic multibase; an InvalidCIDError (400 CID_INVALID) for anything else. */
export function parseCid (value: unknown, options: ParseCidOptions = {}): CID {
  if (typeof value !== 'string' || value.length === 0 || value.length > (options.maxLength ?? Infinity)) {
    throw new InvalidCIDError('expected a CID string')
  }
  try {
    return CID.parse(value, anyBase)
  } catch {
    throw new InvalidCIDError(`invalid CID: ${value.slice(0, 100)}`)
  }
}
