/**
 * Small input checks for route inputs. Each throws BadRequestError naming the
 * field, so a client sees what to fix.
 */
import { BadRequestError } from '../errors.ts'
import type { Quota } from '../types.ts'

type Raw = Record<string, unknown>

export function noInput (): Record<string, never> {
  return {}
}

export function requiredString (raw: Raw, name: string, maxLength = 1024): string {
  const value = raw[name]
  if (typeof value !== 'string' || value === '') throw new BadRequestError(`${name} must be a non-empty string`, 'INPUT_INVALID')
  if (value.length > maxLength) throw new BadRequestError(`${name} is too long`, 'INPUT_INVALID')
  return value
}

export function optionalString (raw: Raw, name: string, maxLength = 1024): string | undefined {
  return raw[name] == null ? undefined : requiredString(raw, name, maxLength)
}

/** A non-negative safe integer (query strings of digits count), null, or absent. */
export function optionalInteger (raw: Raw, name: string, min = 0): number | null | undefined {
  const value = raw[name]
  if (value === undefined) return undefined
  if (value === null) return null
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < min) {
    throw new BadRequestError(`${name} must be an integer of at least ${min}`, 'INPUT_INVALID')
  }
  return number
}
