import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DEFAULT_DATA_DIR, OWNER_SECRET_ENV, headlessInit, loadCafeOptions, startLines } from '../../scripts/cafe.ts'
import { loadOrCreateOwnerSecret } from '../../src/headless/owner-secret.ts'

const RELAY = '/ip4/127.0.0.1/tcp/4003/ws/p2p/12D3KooWSG5oDkgTnsbYA7rTzxvLLd2eJ1gkGujvwCmzQoBWTeJy'
const SECRET = 'a-long-enough-owner-secret'

describe('npm run cafe: flags, environment and config file', () => {
  let dir: string

  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'cafe-config-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('with no flags: data in .cafe/node, HTTP on 127.0.0.1:8090, TCP 4001 and WebSockets 4002, no relay, a generated secret', async () => {
    expect(await loadCafeOptions([], {})).toEqual({
      dataDir: resolve(DEFAULT_DATA_DIR),
      httpHost: '127.0.0.1',
      httpPort: 8090,
      listen: ['/ip4/127.0.0.1/tcp/4001', '/ip4/127.0.0.1/tcp/4002/ws'],
      announce: [],
      relays: [],
      durableWrites: true,
      services: {},
      json: false
    })
  })

  it('writes are durable unless the operator trades it away with --no-durable-writes or durableWrites: false', async () => {
    const config = join(dir, 'fast.json')
    await writeFile(config, JSON.stringify({ durableWrites: false }))
    expect(await loadCafeOptions(['--no-durable-writes'], {})).toMatchObject({ durableWrites: false })
    expect(await loadCafeOptions(['--config', config], {})).toMatchObject({ durableWrites: false })
    await writeFile(config, JSON.stringify({ durableWrites: 'no' }))
    await expect(loadCafeOptions(['--config', config], {})).rejects.toThrow(/durableWrites must be true or false/)
  })

  it('flags win over CAFE_OWNER_SECRET, which wins over the config file, which wins over the defaults', async () => {
    const config = join(dir, 'cafe.json')
    await writeFile(config, JSON.stringify({ dataDir: 'store', httpPort: 9000, relays: [RELAY], ownerSecret: 'from-the-config-file-1234' }))
    expect(await loadCafeOptions(['--config', config, '--http-port', '9001', '--listen', '/ip4/0.0.0.0/tcp/4001'], {})).toMatchObject({
      dataDir: resolve('store'),
      httpPort: 9001,
      listen: ['/ip4/0.0.0.0/tcp/4001'],
      relays: [RELAY],
      ownerSecret: 'from-the-config-file-1234',
      ownerSecretFrom: 'config'
    })
    expect(await loadCafeOptions(['--config', config], { [OWNER_SECRET_ENV]: SECRET })).toMatchObject({ ownerSecret: SECRET, ownerSecretFrom: 'environment' })
    expect(await loadCafeOptions(['--config', config, '--owner-secret', `${SECRET}-flag`], { [OWNER_SECRET_ENV]: SECRET }))
      .toMatchObject({ ownerSecret: `${SECRET}-flag`, ownerSecretFrom: 'flag' })
  })

  it('--relay and --listen repeat', async () => {
    const options = await loadCafeOptions(['--relay', RELAY, '--relay', RELAY.replace('4003', '4004'), '--listen', '/ip4/127.0.0.1/tcp/1', '--listen', '/ip6/::1/tcp/2/ws'], {})
    expect(options).toMatchObject({ relays: [RELAY, RELAY.replace('4003', '4004')], listen: ['/ip4/127.0.0.1/tcp/1', '/ip6/::1/tcp/2/ws'] })
  })

  it.each([
    [['--http-port', '70000'], /http-port/],
    [['--http-port', 'x'], /http-port/],
    [['--listen', 'not-a-multiaddr'], /not a multiaddr/],
    [['--listen', '/ip4/127.0.0.1/udp/4001/quic-v1'], /neither a TCP/],
    [['--relay', '/ip4/127.0.0.1/tcp/4003/ws'], /\/p2p\//],
    [['--owner-secret', 'short'], /at least 16/],
    [['--nonsense'], /Unknown option/]
  ])('refuses %j', async (argv, message) => {
    await expect(loadCafeOptions(argv, {})).rejects.toThrow(message)
  })

  it('refuses a config file with unknown keys or that is not a JSON object', async () => {
    const config = join(dir, 'cafe.json')
    await writeFile(config, JSON.stringify({ httpPort: 1, port: 2 }))
    await expect(loadCafeOptions(['--config', config], {})).rejects.toThrow(/unknown setting port/)
    await writeFile(config, '[1]')
    await expect(loadCafeOptions(['--config', config], {})).rejects.toThrow(/JSON object/)
  })

  it('a service\'s settings come from its section of the config file, checked by the keys the service declares', async () => {
    const config = join(dir, 'cafe.json')
    await writeFile(config, JSON.stringify({
      pinning: { pinTimeoutMs: 120_000, concurrency: 2 },
      inbox: { ttlMs: 86_400_000, perSenderRate: { perMinute: 10, burst: 5 } },
      directory: { maxResults: 20 },
      accounts: { open: true }
    }))
    const options = await loadCafeOptions(['--config', config], {})
    if (options === 'help') throw new Error('help')
    expect(headlessInit(options).cafe).toEqual({
      pinning: { pinTimeoutMs: 120_000, concurrency: 2 },
      inbox: { ttlMs: 86_400_000, perSenderRate: { perMinute: 10, burst: 5 } },
      directory: { maxResults: 20 },
      accounts: { open: true }
    })
    for (const [bad, message] of [
      [{ pinning: { pinTimeoutMs: 'soon' } }, /pinning\.pinTimeoutMs must be an integer/],
      [{ pinning: { retries: 3 } }, /pinning\.retries is not a setting/],
      [{ inbox: { perSenderRate: { perMinute: 0, burst: 1 } } }, /inbox\.perSenderRate/],
      [{ accounts: { open: 'yes' } }, /accounts\.open must be true or false/],
      [{ snapshots: {} }, /unknown setting snapshots/]
    ] as const) {
      await writeFile(config, JSON.stringify(bad))
      await expect(loadCafeOptions(['--config', config], {}), JSON.stringify(bad)).rejects.toThrow(message)
    }
  })

  it('the owner secret file is created once (mode 0600) and read back; a damaged one is an error, never replaced', async () => {
    const first = await loadOrCreateOwnerSecret(dir)
    expect(first).toMatchObject({ created: true, path: join(dir, 'owner-secret') })
    expect(await loadOrCreateOwnerSecret(dir)).toEqual({ ...first, created: false })
    await writeFile(join(dir, 'owner-secret'), 'x\n')
    await expect(loadOrCreateOwnerSecret(dir)).rejects.toThrow(/at least 16/)
  })

  it('a new owner secret is printed once on a terminal, never into a service log (stdout not a terminal)', async () => {
    const owner = await loadOrCreateOwnerSecret(dir)
    const cafe = {
      owner,
      url: 'http://127.0.0.1:8090',
      peerId: { toString: () => '12D3KooW' },
      multiaddrs: () => [],
      address: () => 'cafe:z'
    } as unknown as Parameters<typeof startLines>[0]
    const options = await loadCafeOptions([], {})
    if (options === 'help') throw new Error('no --help was given')
    expect(startLines(cafe, options, true).join('\n')).toContain(owner.secret)
    const logged = startLines(cafe, options, false).join('\n')
    expect(logged).not.toContain(owner.secret)
    expect(logged).toContain(join(dir, 'owner-secret'))
  })
})
