import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { DEFAULT_KEY_DIR, loadOrCreateRelayKey, loadRelayOptions } from '../../scripts/relay.ts'

describe('npm run relay: flags, config file and identity', () => {
  let dir: string

  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'cafe-relay-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('with no flags it listens on 127.0.0.1:4003 and keeps its key in .cafe/relay', async () => {
    expect(await loadRelayOptions([])).toEqual({
      listen: ['/ip4/127.0.0.1/tcp/4003/ws'],
      announce: [],
      keyDir: resolve(DEFAULT_KEY_DIR),
      limits: {},
      maxConnections: undefined,
      json: false
    })
  })

  it('flags win over the config file, which wins over the defaults', async () => {
    const config = join(dir, 'relay.json')
    await writeFile(config, JSON.stringify({
      listen: ['/ip4/0.0.0.0/tcp/9000/ws'],
      announce: ['/dns4/relay.example/tcp/443/wss'],
      keyDir: 'keys',
      maxReservations: 10,
      connectionDurationSeconds: 30
    }))
    const options = await loadRelayOptions(['--config', config, '--max-reservations', '20', '--data-limit', '4096', '--json'])
    expect(options).toMatchObject({
      listen: ['/ip4/0.0.0.0/tcp/9000/ws'],
      announce: ['/dns4/relay.example/tcp/443/wss'],
      keyDir: resolve('keys'),
      limits: { maxReservations: 20, connectionDurationMs: 30_000, connectionDataBytes: 4096 },
      json: true
    })
  })

  it('--port moves the default address; repeated --listen gives several', async () => {
    expect(await loadRelayOptions(['--port', '0'])).toMatchObject({ listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
    expect(await loadRelayOptions(['--listen', '/ip4/127.0.0.1/tcp/1/ws', '--listen', '/ip6/::1/tcp/1/ws']))
      .toMatchObject({ listen: ['/ip4/127.0.0.1/tcp/1/ws', '/ip6/::1/tcp/1/ws'] })
  })

  it.each([
    [['--port', '1', '--listen', '/ip4/127.0.0.1/tcp/2/ws'], /not both/],
    [['--port', 'abc'], /port must be an integer/],
    [['--port', '70000'], /at most 65535/],
    [['--listen', '/ip4/127.0.0.1/tcp/4003'], /not a WebSockets address/],
    [['--listen', 'localhost:4003'], /not a multiaddr/],
    [['--announce', 'nope'], /not a multiaddr/],
    [['--max-reservations', '0'], /max-reservations must be an integer >= 1/],
    [['--frobnicate'], /Unknown option/],
    [['--config', '/nonexistent/relay.json'], /cannot read/]
  ])('refuses %j with a clear message', async (argv, message) => {
    await expect(loadRelayOptions(argv)).rejects.toThrow(message)
  })

  it('refuses a config file with unknown settings or bad JSON', async () => {
    const config = join(dir, 'relay.json')
    await writeFile(config, JSON.stringify({ lissen: ['/ip4/127.0.0.1/tcp/1/ws'] }))
    await expect(loadRelayOptions(['--config', config])).rejects.toThrow(/unknown setting lissen/)
    await writeFile(config, '{ listen: [')
    await expect(loadRelayOptions(['--config', config])).rejects.toThrow(/not JSON/)
    await writeFile(config, JSON.stringify({ listen: '/ip4/127.0.0.1/tcp/1/ws' }))
    await expect(loadRelayOptions(['--config', config])).rejects.toThrow(/list of multiaddr/)
  })

  it('the identity is created once (mode 0600) and the same peer id comes back on restart', async () => {
    const keyDir = join(dir, 'nested', 'relay')
    const first = await loadOrCreateRelayKey(keyDir)
    const again = await loadOrCreateRelayKey(keyDir)
    expect(peerIdFromPrivateKey(again).toString()).toBe(peerIdFromPrivateKey(first).toString())
    expect((await stat(join(keyDir, 'relay.key'))).mode & 0o777).toBe(0o600)
    expect((await readFile(join(keyDir, 'relay.key'))).length).toBeGreaterThan(32)
  })

  it('a corrupt key file is an error, not a silently new identity', async () => {
    await writeFile(join(dir, 'relay.key'), 'not a key')
    await expect(loadOrCreateRelayKey(dir)).rejects.toThrow(/cannot read the relay key/)
  })
})
