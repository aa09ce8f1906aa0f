/**
 * The headless cafe's owner secret: the Bearer token its owner routes take over HTTP.
 * Given by the operator, or generated once (32 random bytes, base64url) and kept in
 * `<data dir>/owner-secret` with mode 0600, so it survives restarts.
 */
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const OWNER_SECRET_FILE = 'owner-secret'
/** shorter secrets given by an operator are refused */
export const MIN_OWNER_SECRET_LENGTH = 16

export interface OwnerSecret {
  secret: string
  /** where it came from: given in the init (flag, config or environment), or the file */
  source: 'given' | 'file'
  /** the file, when it came from one */
  path?: string
  /** true when it was generated on this start */
  created: boolean
}

export class OwnerSecretError extends Error {
  static override name = 'OwnerSecretError'
  override name = 'OwnerSecretError'
}

export function checkOwnerSecret (secret: string): string {
  if (secret.length < MIN_OWNER_SECRET_LENGTH || /\s/.test(secret)) {
    throw new OwnerSecretError(`the owner secret must be at least ${MIN_OWNER_SECRET_LENGTH} characters without spaces`)
  }
  return secret
}

/** Reads `<dir>/owner-secret`, or creates it (mode 0600) when missing. A file that is empty or malformed is an error. */
export async function loadOrCreateOwnerSecret (dir: string): Promise<OwnerSecret> {
  const path = join(dir, OWNER_SECRET_FILE)
  try {
    const secret = (await readFile(path, 'utf8')).trim()
    try {
      return { secret: checkOwnerSecret(secret), source: 'file', path, created: false }
    } catch (err) {
      throw new OwnerSecretError(`${path}: ${(err as Error).message}`)
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const secret = randomBytes(32).toString('base64url')
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, `${secret}\n`, { mode: 0o600 })
  await chmod(temporary, 0o600) // the umask cannot widen it, but an existing temporary file would keep its mode
  await rename(temporary, path)
  return { secret, source: 'file', path, created: true }
}
