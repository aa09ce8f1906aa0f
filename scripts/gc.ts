/**
 * `browser-cafe gc [--dry-run]`: asks the running cafe to collect its garbage (the owner route
 * `POST /api/v0/gc`) and prints what it found and removed. It finds the cafe and its owner
 * secret as `browser-cafe cafe` would with the same flags and config file: the HTTP address,
 * then CAFE_OWNER_SECRET, the config's ownerSecret or `<data dir>/owner-secret`.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { CafeConfigError, OWNER_SECRET_ENV, loadCafeOptions } from './cafe.ts'
import { OWNER_SECRET_FILE } from '../src/headless/owner-secret.ts'
import type { GarbageReport } from '../src/core/pinning/index.ts'

export const gcUsage = (command = 'browser-cafe gc'): string => `usage: ${command} [options]
  --dry-run          report what nothing needs, remove nothing
  --url <url>        the running cafe; default http://<httpHost>:<httpPort> of the flags below
  --config <file>    the cafe's JSON config file (its httpHost, httpPort, dataDir, ownerSecret)
  --data-dir <dir>   the cafe's data directory, for its owner-secret file
  --http-host <host>, --http-port <n>  as given to the cafe
  --json             print the report as JSON
The owner secret comes from ${OWNER_SECRET_ENV}, the config file or <data dir>/${OWNER_SECRET_FILE}.`

/** A running cafe that cannot be reached or refused: exit 1. */
export class GcFailedError extends Error {
  static override name = 'GcFailedError'
  override name = 'GcFailedError'
}

function bytes (n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = n
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++ }
  return unit === 0 ? `${n} bytes` : `${value.toFixed(1)} ${units[unit]}`
}

export function gcReportText (report: GarbageReport): string {
  const { removable, removed, scanned } = report
  if (report.dryRun) return `dry run: ${removable.blocks} of ${scanned} blocks (${bytes(removable.bytes)}) are needed by nothing and would be removed`
  const taken = removable.blocks - removed.blocks
  return `removed ${removed.blocks} of ${scanned} blocks (${bytes(removed.bytes)})` + (taken > 0 ? `; ${taken} became needed meanwhile and stay` : '')
}

/** 2 for a bad flag, config file or missing owner secret, 1 when the cafe does not answer or refuses. */
export function gcExitCode (err: unknown): number {
  return err instanceof CafeConfigError ? 2 : 1
}

export function gcErrorText (err: unknown): string {
  return err instanceof CafeConfigError || err instanceof GcFailedError ? err.message : String(err)
}

/** The cafe's URL for a client on this machine: a wildcard listening address is reached on loopback. */
function urlOf (host: string, port: number): string {
  const reach = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host
  return `http://${reach.includes(':') ? `[${reach}]` : reach}:${port}`
}

export async function runGc (argv: string[], command?: string, env: Record<string, string | undefined> = process.env): Promise<void> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        'dry-run': { type: 'boolean' },
        url: { type: 'string' },
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        'http-host': { type: 'string' },
        'http-port': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      }
    }).values
  } catch (err) {
    throw new CafeConfigError(`${(err as Error).message}\n${gcUsage(command)}`)
  }
  if (parsed.help === true) { console.log(gcUsage(command)); return }
  const passed: string[] = []
  for (const name of ['config', 'data-dir', 'http-host', 'http-port'] as const) {
    const value = parsed[name]
    if (value != null) passed.push(`--${name}`, value)
  }
  const options = await loadCafeOptions(passed, env)
  if (options === 'help') return
  let secret = options.ownerSecret
  if (secret == null) {
    const path = join(options.dataDir, OWNER_SECRET_FILE)
    try {
      secret = (await readFile(path, 'utf8')).trim()
    } catch (err) {
      throw new CafeConfigError(`no owner secret: ${OWNER_SECRET_ENV} is not set and ${path} cannot be read (${(err as Error).message}); give --data-dir or --config`)
    }
  }
  if (parsed.url != null && !/^https?:\/\//.test(parsed.url)) throw new CafeConfigError(`--url must be an http(s) URL, got ${parsed.url}`)
  const url = (parsed.url ?? urlOf(options.httpHost, options.httpPort)).replace(/\/+$/, '')
  let response: Response
  try {
    response = await fetch(`${url}/api/v0/gc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ dryRun: parsed['dry-run'] === true })
    })
  } catch (err) {
    throw new GcFailedError(`no cafe answers at ${url} (${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}): gc asks the running cafe`)
  }
  const body = await response.text()
  if (!response.ok) {
    let message = body
    try { message = JSON.parse(body).error.message ?? body } catch { /* not JSON */ }
    throw new GcFailedError(`${url} answered ${response.status}: ${message}`)
  }
  const report = JSON.parse(body) as GarbageReport
  console.log(parsed.json === true ? JSON.stringify(report) : gcReportText(report))
}
