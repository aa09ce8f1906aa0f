/**
 * What the command-line entries (`npm run cafe`, `npm run relay`) share: a JSON config
 * file with only known settings, and lists of strings. Each entry passes its own error
 * factory so its messages and error class stay its own.
 */
import { readFile } from 'node:fs/promises'

export type Fail = (message: string) => Error

export async function readConfigFile (path: string, known: readonly string[], fail: Fail): Promise<Record<string, unknown>> {
  let content: string
  try { content = await readFile(path, 'utf8') } catch (err) { throw fail(`cannot read ${path}: ${(err as Error).message}`) }
  let value: unknown
  try { value = JSON.parse(content) } catch (err) { throw fail(`${path} is not JSON: ${(err as Error).message}`) }
  if (value == null || typeof value !== 'object' || Array.isArray(value)) throw fail(`${path} must hold a JSON object`)
  const unknown = Object.keys(value).filter(key => !known.includes(key))
  if (unknown.length > 0) throw fail(`${path}: unknown setting ${unknown.join(', ')}`)
  return value as Record<string, unknown>
}

export function stringList (name: string, value: unknown, fail: Fail): string[] | undefined {
  if (value == null) return undefined
  if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) throw fail(`${name} must be a list of multiaddr strings`)
  return value
}
