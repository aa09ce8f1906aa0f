/**
 * `npm run cafe`: the headless cafe (src/headless/headless.ts) under Node, always on. Its data
 * directory keeps the blocks, the datastore (so the peer id and every account survive
 * restarts) and the owner secret. Flags and the JSON config file are documented in
 * docs/HEADLESS.md; flags win over CAFE_OWNER_SECRET, which wins over the file.
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { multiaddr } from '@multiformats/multiaddr'
import { readConfigFile, stringList } from './config-file.ts'
import { DEFAULT_HEADLESS_LISTEN } from '../src/headless/defaults.ts'
import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT } from '../src/headless/http-server.ts'
import { checkOwnerSecret } from '../src/headless/owner-secret.ts'
import { redactError } from '../src/core/util/redact-url.ts'
import { checkServiceConfig } from '../src/core/service.ts'
import { cafeServices } from '../src/core/services.ts'
import type { CafeInit } from '../src/core/cafe.ts'
import type { HeadlessCafe, HeadlessCafeInit } from '../src/headless/headless.ts'

export const DEFAULT_DATA_DIR = '.cafe/node'
export const OWNER_SECRET_ENV = 'CAFE_OWNER_SECRET'

/** The JSON config file's shape. */
export interface CafeConfigFile {
  dataDir?: string
  httpHost?: string
  httpPort?: number
  listen?: string[]
  announce?: string[]
  relays?: string[]
  ownerSecret?: string
  durableWrites?: boolean
  /** `{ "listen": "127.0.0.1:9464" }`: /metrics, /healthz and /readyz on their own address, without the owner secret */
  metrics?: { listen?: string }
  /** a section per service with settings (`pinning`, `inbox`, ...): see SERVICE_KEYS */
  [service: string]: unknown
}

/** The services' settings a config file may give, by service (CafeInit's fields of the same names). */
export type ServiceSettings = Pick<CafeInit, 'accounts' | 'pinning' | 'inbox' | 'directory'>

export interface CafeOptions {
  dataDir: string
  httpHost: string
  httpPort: number
  listen: string[]
  announce: string[]
  relays: string[]
  /** absent: the data directory's owner-secret file */
  ownerSecret?: string
  /** where ownerSecret came from, for the start-up lines */
  ownerSecretFrom?: 'flag' | 'environment' | 'config'
  /** sync to disk before acknowledging (HeadlessCafeInit.durableWrites) */
  durableWrites: boolean
  /** where /metrics, /healthz and /readyz listen without the owner secret; absent: on the HTTP port, with it */
  metricsListen?: { host: string, port: number }
  /** the config file's service sections, checked by each service's declared keys */
  services: ServiceSettings
  json: boolean
}

export class CafeConfigError extends Error {
  static override name = 'CafeConfigError'
  override name = 'CafeConfigError'
  /** a flag the command does not take: the usage follows the message */
  readonly usage: boolean

  constructor (message: string, options: { usage?: boolean } = {}) {
    super(message)
    this.usage = options.usage === true
  }
}

/** The host's own settings; each service with settings adds a section named after it. */
const HOST_KEYS = ['dataDir', 'httpHost', 'httpPort', 'listen', 'announce', 'relays', 'ownerSecret', 'durableWrites', 'metrics']
export const SERVICE_KEYS = (Object.keys(cafeServices) as Array<keyof typeof cafeServices>)
  .filter(name => Object.keys(cafeServices[name].config).length > 0)
const KNOWN_KEYS = [...HOST_KEYS, ...SERVICE_KEYS]

function serviceSettings (file: CafeConfigFile): ServiceSettings {
  const settings: Record<string, unknown> = {}
  for (const name of SERVICE_KEYS) {
    if (file[name] == null) continue
    try {
      settings[name] = checkServiceConfig<object>(name, cafeServices[name].config, file[name])
    } catch (err) {
      throw new CafeConfigError((err as Error).message)
    }
  }
  return settings as ServiceSettings
}

/** The flags, for `command` (`npm run cafe --`, `browser-cafe cafe`). */
export const cafeUsage = (command = 'npm run cafe --'): string => `usage: ${command} [options]
  --config <file>          JSON config file (see docs/HEADLESS.md)
  --data-dir <dir>         blocks, datastore and owner secret; default ${DEFAULT_DATA_DIR}
  --http-host <host>       HTTP server for /api/ and /ipfs/; default ${DEFAULT_HTTP_HOST}
  --http-port <n>          default ${DEFAULT_HTTP_PORT} (0: any free port)
  --listen <multiaddr>     libp2p TCP or WebSockets address (repeatable); default ${DEFAULT_HEADLESS_LISTEN.join(' ')}
  --announce <multiaddr>   address to advertise instead (repeatable)
  --relay <multiaddr>      relay to keep a reservation on, ending in /p2p/<id> (repeatable)
  --owner-secret <secret>  owner routes' Bearer secret (or ${OWNER_SECRET_ENV}); default: generated once in the data dir
  --no-durable-writes      answer before writes reach the disk (faster; a power cut may lose the last seconds)
  --metrics-listen <h:p>   serve /metrics, /healthz, /readyz there without the owner secret; default: on the HTTP port, with it
  --json                   also print one JSON line { url, peerId, multiaddrs, address, ownerSecretFile }`

const fail = (message: string): Error => new CafeConfigError(message)

function strings (name: string, value: unknown): string[] | undefined {
  return stringList(name, value, fail)
}

function text (name: string, value: unknown): string | undefined {
  if (value == null) return undefined
  if (typeof value !== 'string' || value === '') throw new CafeConfigError(`${name} must be a non-empty string`)
  return value
}

function flag (name: string, value: unknown): boolean | undefined {
  if (value == null) return undefined
  if (typeof value !== 'boolean') throw new CafeConfigError(`${name} must be true or false`)
  return value
}

function port (value: unknown): number | undefined {
  if (value == null) return undefined
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) throw new CafeConfigError(`http-port must be an integer from 0 to 65535, got ${String(value)}`)
  return n
}

/** The config file's `metrics` section: `{ listen }` only. */
function metricsSection (value: unknown): string | undefined {
  if (value == null) return undefined
  if (typeof value !== 'object' || Array.isArray(value) || Object.keys(value).some(key => key !== 'listen')) throw new CafeConfigError('metrics must be { "listen": "<host>:<port>" }')
  return text('metrics.listen', (value as { listen?: unknown }).listen)
}

/** `host:port` (`[v6]:port` for IPv6) → the metrics server's address. */
function metricsListen (value: string | undefined): { metricsListen?: { host: string, port: number } } {
  if (value == null) return {}
  const found = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value)
  const port = found == null ? NaN : Number(found[3])
  if (found == null || port > 65535) throw new CafeConfigError(`metrics-listen must be <host>:<port> ([<IPv6>]:<port>), got ${value}`)
  return { metricsListen: { host: found[1] ?? found[2], port } }
}

type AddressKind = 'listen' | 'announce' | 'relay'

function checkAddresses (kind: AddressKind, addresses: string[]): string[] {
  for (const address of addresses) {
    let names: string[]
    try { names = multiaddr(address).getComponents().map(component => component.name) } catch { throw new CafeConfigError(`${kind}: ${address} is not a multiaddr`) }
    if (kind === 'listen' && (names[1] !== 'tcp' || !(names.length === 2 || (names.length === 3 && names[2] === 'ws')))) {
      throw new CafeConfigError(`listen: ${address} is neither a TCP (/ip4/<ip>/tcp/<port>) nor a WebSockets (…/tcp/<port>/ws) address`)
    }
    if (kind === 'relay' && names[names.length - 1] !== 'p2p') throw new CafeConfigError(`relay: ${address} must end with /p2p/<relay peer id>`)
  }
  return addresses
}


/** Flags (process.argv.slice(2)) over the environment over the config file over defaults. Relative paths are from the working directory. */
export async function loadCafeOptions (argv: string[], env: Record<string, string | undefined> = process.env): Promise<CafeOptions | 'help'> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        'http-host': { type: 'string' },
        'http-port': { type: 'string' },
        listen: { type: 'string', multiple: true },
        announce: { type: 'string', multiple: true },
        relay: { type: 'string', multiple: true },
        'owner-secret': { type: 'string' },
        'no-durable-writes': { type: 'boolean' },
        'metrics-listen': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      }
    }).values
  } catch (err) {
    throw new CafeConfigError((err as Error).message, { usage: true })
  }
  if (parsed.help === true) return 'help'
  const file: CafeConfigFile = parsed.config != null ? await readConfigFile(parsed.config, KNOWN_KEYS, fail) : {}

  const fromEnv = env[OWNER_SECRET_ENV] != null && env[OWNER_SECRET_ENV] !== '' ? env[OWNER_SECRET_ENV] : undefined
  const [ownerSecret, ownerSecretFrom] = parsed['owner-secret'] != null
    ? [parsed['owner-secret'], 'flag' as const]
    : fromEnv != null ? [fromEnv, 'environment' as const] : [text('ownerSecret', file.ownerSecret), 'config' as const]
  if (ownerSecret != null) {
    try { checkOwnerSecret(ownerSecret) } catch (err) { throw new CafeConfigError((err as Error).message) }
  }

  return {
    dataDir: resolve(parsed['data-dir'] ?? text('dataDir', file.dataDir) ?? DEFAULT_DATA_DIR),
    httpHost: parsed['http-host'] ?? text('httpHost', file.httpHost) ?? DEFAULT_HTTP_HOST,
    httpPort: port(parsed['http-port'] ?? file.httpPort) ?? DEFAULT_HTTP_PORT,
    listen: checkAddresses('listen', parsed.listen ?? strings('listen', file.listen) ?? DEFAULT_HEADLESS_LISTEN),
    announce: checkAddresses('announce', parsed.announce ?? strings('announce', file.announce) ?? []),
    relays: checkAddresses('relay', parsed.relay ?? strings('relays', file.relays) ?? []),
    ...(ownerSecret != null ? { ownerSecret, ownerSecretFrom } : {}),
    durableWrites: parsed['no-durable-writes'] === true ? false : flag('durableWrites', file.durableWrites) ?? true,
    ...metricsListen(parsed['metrics-listen'] ?? metricsSection(file.metrics)),
    services: serviceSettings(file),
    json: parsed.json === true
  }
}

export function headlessInit (options: CafeOptions, init: Partial<HeadlessCafeInit> = {}): HeadlessCafeInit {
  return {
    dataDir: options.dataDir,
    http: { host: options.httpHost, port: options.httpPort },
    listen: options.listen,
    announce: options.announce,
    relays: options.relays,
    ...(options.ownerSecret != null ? { ownerSecret: options.ownerSecret } : {}),
    durableWrites: options.durableWrites,
    ...(options.metricsListen != null ? { metrics: { listen: options.metricsListen } } : {}),
    cafe: options.services,
    ...init
  }
}

/**
 * The lines printed at start: what to open, what to share, where the owner secret is. A new
 * secret is shown once, and only on a terminal: a service's output ends up in its logs.
 */
export function startLines (cafe: HeadlessCafe, options: CafeOptions, terminal = process.stdout.isTTY === true): string[] {
  const owner = cafe.owner
  const secretLine = owner.source === 'given'
    ? `owner secret: from the ${options.ownerSecretFrom ?? 'init'}`
    : owner.created && terminal
      ? `owner secret: ${owner.secret} (new; kept in ${owner.path ?? ''}, mode 0600)`
      : `owner secret: in ${owner.path ?? ''}`
  let address: string
  try { address = cafe.address() } catch (err) { address = `none yet (${(err as Error).message})` }
  return [
    `http: ${cafe.url}`,
    `peer id: ${cafe.peerId.toString()}`,
    ...cafe.multiaddrs().map(ma => `libp2p: ${ma.toString()}`),
    `cafe address: ${address}`,
    secretLine
  ]
}

/**
 * The last resort of an always-on process: an error nothing handled is logged (keys
 * redacted) and the cafe keeps serving. Every known cause is fixed where it arises; this
 * only keeps an unknown one from taking every client down with it.
 */
export function keepServingOnStrayErrors (log: (line: string) => void = line => { console.error(line) }): () => void {
  const onRejection = (reason: unknown): void => { log(`unhandled rejection (the cafe keeps serving): ${redactError(reason)}`) }
  const onException = (err: unknown): void => { log(`uncaught exception (the cafe keeps serving): ${redactError(err)}`) }
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  return () => {
    process.off('unhandledRejection', onRejection)
    process.off('uncaughtException', onException)
  }
}

/** 2 for a bad flag, config file or owner secret (the operator's to fix), 1 for a failure at run time. */
export function cafeExitCode (err: unknown): number {
  return err instanceof CafeConfigError || (err as Error)?.name === 'OwnerSecretError' ? 2 : 1
}

/** What to print for an error that ends the command. */
export function cafeErrorText (err: unknown, command?: string): string {
  if (err instanceof CafeConfigError) return err.usage ? `${err.message}\n${cafeUsage(command)}` : err.message
  if ((err as Error)?.name === 'OwnerSecretError') return (err as Error).message
  // a system error (a port taken, a directory not writable, the data directory locked) says it in one line
  if (typeof (err as NodeJS.ErrnoException)?.code === 'string' && err instanceof Error) return redactError(`${err.name}: ${err.message}`)
  return redactError(err)
}

/**
 * Starts the cafe with these flags and serves until SIGINT or SIGTERM, which stop it cleanly
 * and exit 0 (1 if the stop failed; a second signal ends the process at once).
 */
export async function runCafe (argv: string[], command?: string): Promise<void> {
  const options = await loadCafeOptions(argv)
  if (options === 'help') { console.log(cafeUsage(command)); return }
  // loaded once the flags are good: --help and a bad flag answer at once
  const { createHeadlessCafe } = await import('../src/headless/headless.ts')
  keepServingOnStrayErrors()
  let started: HeadlessCafe | undefined
  const cafe = started = await createHeadlessCafe(headlessInit(options, {
    reservations: {
      onChange: relays => {
        for (const relay of relays) console.error(`relay ${relay.relay.toString()}: ${relay.reserved ? 'reserved' : relay.error ?? 'not reserved'}`)
        // a reservation adds a circuit address, so the address to share changes
        try { if (started != null) console.error(`cafe address: ${started.address()}`) } catch { /* no address yet */ }
      }
    }
  }))
  for (const line of startLines(cafe, options)) console.log(line)
  if (options.json) {
    let address: string | undefined
    try { address = cafe.address() } catch { address = undefined }
    console.log(JSON.stringify({ url: cafe.url, peerId: cafe.peerId.toString(), multiaddrs: cafe.multiaddrs().map(String), address, ownerSecretFile: cafe.owner.path }))
  }
  const stop = (): void => {
    cafe.stop().then(() => process.exit(0), err => { console.error(err); process.exit(1) })
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (process.argv[1] != null && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runCafe(process.argv.slice(2)).catch(err => {
    console.error(cafeErrorText(err))
    process.exit(cafeExitCode(err))
  })
}
