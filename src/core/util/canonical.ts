/**
 * Canonical bytes for signed records (envelopes, contacts): a domain prefix, then the
 * dag-cbor encoding of the fields. dag-cbor sorts map keys and has one encoding per
 * value, so signer and verifier produce the same bytes without agreeing on field order.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { sha256 } from '@noble/hashes/sha2.js'
import { base32 } from 'multiformats/bases/base32'
import { sha256 as platformSha256 } from 'multiformats/hashes/sha2'
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { BadRequestError } from '../errors.ts'
import type { CafeErrorCode } from '../errors.ts'

/** `domain` + NUL + dag-cbor(fields): what gets signed. */
export function signingBytes (domain: string, fields: Record<string, unknown>): Uint8Array {
  return concat([fromString(`${domain}\0`), dagCbor.encode(fields)])
}

export function encodeCbor (value: unknown): Uint8Array {
  return dagCbor.encode(value)
}

/** Decode dag-cbor from an untrusted source; malformed input is a 400 with `code`. */
export function decodeCbor (bytes: Uint8Array, code: CafeErrorCode, what: string): unknown {
  try {
    return dagCbor.decode(bytes)
  } catch {
    throw new BadRequestError(`${what} is not valid dag-cbor`, code)
  }
}

/** A short, key-safe id for bytes: base32 (no multibase prefix) of their SHA-256. */
export function hashId (bytes: Uint8Array): string {
  return base32.baseEncode(sha256(bytes))
}

/** hashId with the platform's SHA-256 (node:crypto in Node, WebCrypto in browsers): faster on hot paths. */
export async function digestId (bytes: Uint8Array): Promise<string> {
  return base32.baseEncode(await platformSha256.encode(bytes))
}

/** Bytes as base64 (RFC 4648 alphabet, no padding) for JSON bodies. */
export function toBase64 (bytes: Uint8Array): string {
  return toString(bytes, 'base64')
}

export function fromBase64 (text: unknown, code: CafeErrorCode, what: string): Uint8Array {
  if (typeof text !== 'string') throw new BadRequestError(`${what} must be a base64 string`, code)
  try {
    return fromString(text.replace(/=+$/, ''), 'base64')
  } catch {
    throw new BadRequestError(`${what} is not valid base64`, code)
  }
}
