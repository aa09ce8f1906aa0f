/**
 * `npm run relay`: runs the relay (src/relay/relay.ts) under Node with a persistent
 * identity, so its multiaddrs stay the same across restarts. Flags and the JSON
 * config file are documented in docs/RELAY.md; flags win over the file.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { readConfigFile, stringList } from './config-file.ts'
import type { RelayInit, RelayLimits } from '../src/relay/relay.ts'
import type { PrivateKey } from '@libp2p/interface'

export const DEFAULT_KEY_DIR = '.cafe/relay'
export const DEFAULT_PORT = 4003
const KEY_FILE = 'relay.key'

/** The JSON config file's shape; durations in seconds. */
export interface RelayConfigFile {
  listen?: string[]
  port?: number
  announce?: string[]
  keyDir?: string
  maxReservations?: number
  reservationTtlSeconds?: number
  connectionDurationSeconds?: number
  connectionDataBytes?: number
  unlimited?: boolean
  maxConnections?: number
}

export interface RelayOptions {
  listen: string[]
  announce: string[]
  keyDir: string
  limits: RelayLimits
  maxConnections?: number
  json: boolean
}

export class RelayConfigError extends Error {
  static override name = 'RelayConfigError'
  override name = 'RelayConfigError'
  /** a flag the command does not take: the usage follows the message */
  readonly usage: boolean

  constructor (message: string, options: { usage?: boolean } = {}) {
    super(message)
    this.usage = options.usage === true
  }
}

/** The flags, for `command` (`npm run relay --`, `browser-cafe relay`). */
export const relayUsage = (command = 'npm run relay --'): string => `usage: ${command} [options]
  --config <file>             JSON config file (see docs/RELAY.md)
  --listen <multiaddr>        WebSockets address to listen on (repeatable); default /ip4/127.0.0.1/tcp/${DEFAULT_PORT}/ws
  --port <n>                  port of the default 127.0.0.1 address (0: any free port)
  --announce <multiaddr>      public address to advertise instead (repeatable)
  --key-dir <dir>             where the identity key is kept; default ${DEFAULT_KEY_DIR}
  --max-reservations <n>      cafes holding a slot at once; default 128
  --reservation-ttl <s>       slot lifetime; default 3600
  --duration-limit <s>        a relayed connection is reset after this; default 120
  --data-limit <bytes>        ... or after this many bytes; default 1048576
  --unlimited                 no per-connection limits
  --max-connections <n>       default 512
  --json                      also print one JSON line { peerId, multiaddrs }`

function integer (name: string, value: unknown, min = 0): number | undefined {
  if (value == null) return undefined
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw new RelayConfigError(`${name} must be an integer >= ${min}, got ${String(value)}`)
  return n
}

const fail = (message: string): Error => new RelayConfigError(message)

function strings (name: string, value: unknown): string[] | undefined {
  return stringList(name, value, fail)
}

function checkAddresses (name: string, addresses: string[], websocketsOnly: boolean): string[] {
  for (const address of addresses) {
    let ma
    try { ma = multiaddr(address); ma.toString() } catch { throw new RelayConfigError(`${name}: ${address} is not a multiaddr`) }
    const names = ma.getComponents().map(component => component.name)
    if (websocketsOnly && (!names.includes('tcp') || !['ws', 'wss'].includes(names[names.length - 1]))) {
      throw new RelayConfigError(`${name}: ${address} is not a WebSockets address (/ip4/<ip>/tcp/<port>/ws)`)
    }
  }
  return addresses
}

const KNOWN_KEYS = ['listen', 'port', 'announce', 'keyDir', 'maxReservations', 'reservationTtlSeconds', 'connectionDurationSeconds', 'connectionDataBytes', 'unlimited', 'maxConnections']

/** Flags (process.argv.slice(2)) over the config file over defaults. Relative paths are from the working directory. */
export async function loadRelayOptions (argv: string[]): Promise<RelayOptions | 'help'> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        config: { type: 'string' },
        listen: { type: 'string', multiple: true },
        port: { type: 'string' },
        announce: { type: 'string', multiple: true },
        'key-dir': { type: 'string' },
        'max-reservations': { type: 'string' },
        'reservation-ttl': { type: 'string' },
        'duration-limit': { type: 'string' },
        'data-limit': { type: 'string' },
        unlimited: { type: 'boolean' },
        'max-connections': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      }
    }).values
  } catch (err) {
    throw new RelayConfigError((err as Error).message, { usage: true })
  }
  if (parsed.help === true) return 'help'
  const file: RelayConfigFile = parsed.config != null ? await readConfigFile(parsed.config, KNOWN_KEYS, fail) : {}

  const listen = parsed.listen ?? strings('listen', file.listen)
  const port = integer('port', parsed.port ?? file.port)
  if (port != null && port > 65535) throw new RelayConfigError(`port must be at most 65535, got ${port}`)
  if (listen != null && port != null) throw new RelayConfigError('give --port (for the default 127.0.0.1 address) or --listen, not both')
  const seconds = (name: string, value: unknown): number | undefined => {
    const n = integer(name, value, 1)
    return n == null ? undefined : n * 1000
  }
  const limits: RelayLimits = {
    maxReservations: integer('max-reservations', parsed['max-reservations'] ?? file.maxReservations, 1),
    reservationTtlMs: seconds('reservation-ttl', parsed['reservation-ttl'] ?? file.reservationTtlSeconds),
    connectionDurationMs: seconds('duration-limit', parsed['duration-limit'] ?? file.connectionDurationSeconds),
    connectionDataBytes: integer('data-limit', parsed['data-limit'] ?? file.connectionDataBytes, 1),
    unlimited: parsed.unlimited ?? file.unlimited
  }
  if (limits.unlimited != null && typeof limits.unlimited !== 'boolean') throw new RelayConfigError('unlimited must be true or false')
  for (const key of Object.keys(limits) as Array<keyof RelayLimits>) if (limits[key] === undefined) delete limits[key]
  const keyDir = parsed['key-dir'] ?? file.keyDir ?? DEFAULT_KEY_DIR
  if (typeof keyDir !== 'string') throw new RelayConfigError('keyDir must be a path')

  return {
    listen: checkAddresses('listen', listen ?? [`/ip4/127.0.0.1/tcp/${port ?? DEFAULT_PORT}/ws`], true),
    announce: checkAddresses('announce', parsed.announce ?? strings('announce', file.announce) ?? [], false),
    keyDir: resolve(keyDir),
    limits,
    maxConnections: integer('max-connections', parsed['max-connections'] ?? file.maxConnections, 1),
    json: parsed.json === true
  }
}

/** The relay's identity from `<dir>/relay.key` (protobuf), created (mode 0600) on first run. */
export async function loadOrCreateRelayKey (dir: string): Promise<PrivateKey> {
  const path = join(dir, KEY_FILE)
  try {
    return privateKeyFromProtobuf(await readFile(path))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new RelayConfigError(`cannot read the relay key ${path}: ${(err as Error).message}`)
  }
  const key = await generateKeyPair('Ed25519')
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, privateKeyToProtobuf(key), { mode: 0o600 })
  await rename(temporary, path)
  return key
}

export async function relayInit (options: RelayOptions): Promise<RelayInit> {
  return {
    privateKey: await loadOrCreateRelayKey(options.keyDir),
    listen: options.listen,
    announce: options.announce,
    limits: options.limits,
    ...(options.maxConnections != null ? { maxConnections: options.maxConnections } : {})
  }
}

/** 2 for a bad flag or config file, 1 for a failure at run time. */
export function relayExitCode (err: unknown): number {
  return err instanceof RelayConfigError ? 2 : 1
}

export function relayErrorText (err: unknown, command?: string): string {
  if (err instanceof RelayConfigError) return err.usage ? `${err.message}\n${relayUsage(command)}` : err.message
  return String(err instanceof Error ? err.stack ?? err.message : err)
}

/** Starts the relay and serves until SIGINT or SIGTERM, which stop it and exit 0 (1 if the stop failed). */
export async function runRelay (argv: string[], command?: string): Promise<void> {
  const options = await loadRelayOptions(argv)
  if (options === 'help') { console.log(relayUsage(command)); return }
  const { createRelay } = await import('../src/relay/relay.ts')
  const relay = await createRelay(await relayInit(options))
  const addresses = relay.multiaddrs().map(String)
  for (const address of addresses) console.log(address)
  if (options.json) console.log(JSON.stringify({ peerId: relay.peerId.toString(), multiaddrs: addresses }))
  relay.libp2p.services.relay.addEventListener('relay:reservation', event => {
    console.error(`reservation until ${event.detail.expiry.toISOString()} for ${event.detail.addr.toString()}`)
  })
  const stop = (): void => {
    relay.stop().then(() => process.exit(0), () => process.exit(1))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (process.argv[1] != null && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runRelay(process.argv.slice(2)).catch(err => {
    console.error(relayErrorText(err))
    process.exit(relayExitCode(err))
  })
}
