/**
 * The links of a block, for every walk over a DAG: the pinning service's (size and
 * completeness of a pin), the gateway's CAR responses and the headless DAG fetch.
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import * as json from 'multiformats/codecs/json'
import * as raw from 'multiformats/codecs/raw'

/** Codecs whose links this cafe can read: a walk can pass through their blocks. */
const WALKABLE = new Set<number>([dagPb.code, raw.code, dagCbor.code, dagJson.code, json.code])

export function isWalkable (cid: CID): boolean {
  return WALKABLE.has(cid.code)
}

/** The CIDs a block links to, in order. Codecs without links (raw, json) and unknown ones have none. */
export function linksOf (cid: CID, bytes: Uint8Array): CID[] {
  switch (cid.code) {
    case dagPb.code: return dagPb.decode(bytes).Links.map(link => link.Hash)
    case dagCbor.code: return collectCids(dagCbor.decode(bytes))
    case dagJson.code: return collectCids(dagJson.decode(bytes))
    default: return []
  }
}

function collectCids (value: unknown, out: CID[] = []): CID[] {
  const cid = CID.asCID(value)
  if (cid != null) {
    out.push(cid)
  } else if (Array.isArray(value)) {
    for (const v of value) collectCids(v, out)
  } else if (value != null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const v of Object.values(value)) collectCids(v, out)
  }
  return out
}
