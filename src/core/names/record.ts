/**
 * Checks one IPNS record for a name with the `ipns` package (signature against the name's
 * key, V1/V2 consistency, size, validity) and reads what the cafe keeps of it. Every failure
 * becomes a CafeError with a stable code, so a client knows what to fix.
 */
import { ipnsValidator } from 'ipns/validator'
import { unmarshalIPNSRecord } from 'ipns'
import { BadRequestError, PayloadTooLargeError } from '../errors.ts'
import type { IpnsName } from './name.ts'
import type { AbortOptions } from '../types.ts'

/** The `ipns` package's own limit on a record (10 KiB): larger ones no IPNS node accepts. */
export const MAX_RECORD_BYTES = 10 * 1024

/** When a record gives no TTL: the Delegated Routing API's default `max-age`. */
export const DEFAULT_TTL_SECONDS = 60

/** What the cafe reads from a valid record. */
export interface RecordFacts {
  /** the record's value, e.g. `/ipfs/bafy…` */
  value: string
  sequence: bigint
  /** end of validity, ms since the epoch */
  validUntil: number
  /** RFC 3339, as signed */
  validity: string
  /** seconds a resolver may cache the record */
  ttlSeconds: number
}

/** Reads the facts of a record already known to be valid (stored records, or after validateRecord). */
export function recordFacts (bytes: Uint8Array): RecordFacts {
  const record = unmarshalIPNSRecord(bytes)
  const validUntil = Date.parse(record.validity)
  const ttl = record.ttl ?? 0n
  return {
    value: record.value,
    sequence: record.sequence,
    validity: record.validity,
    validUntil: Number.isNaN(validUntil) ? 0 : validUntil,
    ttlSeconds: ttl > 0n ? Number(ttl / 1_000_000_000n) || 1 : DEFAULT_TTL_SECONDS
  }
}

/**
 * @throws PayloadTooLargeError `RECORD_TOO_LARGE`; BadRequestError `RECORD_SIGNATURE_INVALID`
 * (forged, or signed by another key than the name's), `RECORD_EXPIRED`, `RECORD_INVALID`
 */
export async function validateRecord (name: IpnsName, bytes: Uint8Array, now: number, options: AbortOptions = {}): Promise<RecordFacts> {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0) throw new BadRequestError('the record is empty', 'RECORD_INVALID')
  if (bytes.byteLength > MAX_RECORD_BYTES) throw new PayloadTooLargeError(`an IPNS record may be at most ${MAX_RECORD_BYTES} bytes`, 'RECORD_TOO_LARGE')
  try {
    await ipnsValidator(name.routingKey, bytes)
  } catch (err) {
    switch ((err as Error).name) {
      case 'SignatureVerificationError':
      case 'InvalidEmbeddedPublicKeyError':
        throw new BadRequestError(`the record is not signed by the key of ${name.name}`, 'RECORD_SIGNATURE_INVALID')
      case 'RecordExpiredError':
        throw new BadRequestError('the record\'s validity has passed', 'RECORD_EXPIRED')
      case 'RecordTooLargeError':
        throw new PayloadTooLargeError(`an IPNS record may be at most ${MAX_RECORD_BYTES} bytes`, 'RECORD_TOO_LARGE')
      default:
        throw new BadRequestError(`not a valid IPNS record: ${(err as Error).message ?? 'malformed'}`.slice(0, 200), 'RECORD_INVALID')
    }
  }
  options.signal?.throwIfAborted()
  const facts = recordFacts(bytes)
  // the cafe's clock too (tests move it; the package reads Date.now)
  if (facts.validUntil <= now) throw new BadRequestError('the record\'s validity has passed', 'RECORD_EXPIRED')
  return facts
}
