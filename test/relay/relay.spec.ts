import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { CafeClient, Libp2pTransport } from '../../src/client/index.ts'
import { decodeCafeAddress } from '../../src/core/address/index.ts'
import { createRelay } from '../../src/relay/relay.ts'
import { keepReservations } from '../../src/node/reservations.ts'
import { createNode, createRelayedCafe, shareAddress, waitFor } from '../node/fixtures.ts'
import type { RelayedCafe } from '../node/fixtures.ts'
import type { Relay } from '../../src/relay/relay.ts'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

const LOOPBACK_ANY_PORT = ['/ip4/127.0.0.1/tcp/0/ws']

function portOf (relay: Relay): string {
  return relay.multiaddrs()[0].getComponents().find(component => component.name === 'tcp')!.value!
}

async function newClient (node: Libp2p, address: string): Promise<CafeClient> {
  const { multiaddrs } = decodeCafeAddress(address)
  const transport = new Libp2pTransport(node, multiaddrs[0], { timeoutMs: 5_000 })
  return new CafeClient({ privateKey: await generateKeyPair('Ed25519'), transport })
}

describe('the relay', () => {
  let relayKey: PrivateKey
  let relay: Relay
  let cafe: RelayedCafe
  let client: Libp2p

  beforeAll(async () => {
    relayKey = await generateKeyPair('Ed25519')
    relay = await createRelay({ privateKey: relayKey, listen: LOOPBACK_ANY_PORT })
    cafe = await createRelayedCafe(relay.multiaddrs()[0].toString())
    await waitFor(() => cafe.keeper.status()[0].reserved, 5_000, 'the first reservation')
    client = await createNode()
  })

  afterAll(async () => {
    await client?.stop()
    await cafe?.stop()
    await relay?.stop()
  })

  it('listens on 127.0.0.1 and gives dialable multiaddrs ending in its peer id', () => {
    const addresses = relay.multiaddrs().map(String)
    expect(addresses).toHaveLength(1)
    expect(addresses[0]).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/ws/p2p/${relay.peerId.toString()}$`))
  })

  it('the cafe holds a reservation and advertises its /p2p-circuit address', () => {
    expect(relay.reservations().map(String)).toEqual([cafe.node.peerId.toString()])
    const [state] = cafe.keeper.status()
    expect(state).toMatchObject({ reserved: true, error: undefined })
    expect(state.addresses.map(String)).toEqual([`${relay.multiaddrs()[0].toString()}/p2p-circuit/p2p/${cafe.node.peerId.toString()}`])
    expect(cafe.node.getMultiaddrs().map(String)).toEqual(state.addresses.map(String))
  })

  it('a client registers with a token from the cafe address, over the relayed circuit, and calls whoami', async () => {
    const address = shareAddress(cafe)
    const cafeClient = await newClient(client, address)
    const { token } = await cafe.cafe.owner.createToken({ label: 'relay', uses: 1 })
    expect(await cafeClient.register(token)).toMatchObject({ account: cafeClient.account, registered: true })
    expect((await cafeClient.whoami()).account).toBe(cafeClient.account)
    expect((await cafe.cafe.owner.listClients()).map(c => c.account)).toContain(cafeClient.account)

    // the only connection is the relayed one, and it is 'limited': both the cafe's handler and the
    // client's dial opt in with runOnLimitedConnection
    const connections = client.getConnections(cafe.node.peerId)
    expect(connections).toHaveLength(1)
    expect(connections[0].remoteAddr.toString()).toBe(`${relay.multiaddrs()[0].toString()}/p2p-circuit/p2p/${cafe.node.peerId.toString()}`)
    expect(connections[0].limits).toBeDefined()
  })

  it('ten clients reach the relayed cafe within the same second (all share the relay\'s IP)', async () => {
    const address = shareAddress(cafe)
    const nodes = await Promise.all(Array.from({ length: 10 }, async () => createNode()))
    try {
      const infos = await Promise.all(nodes.map(async node => (await newClient(node, address)).info()))
      expect(infos.map(info => info.peerId)).toEqual(nodes.map(() => cafe.node.peerId.toString()))
    } finally {
      await Promise.all(nodes.map(async node => node.stop()))
    }
  })

  it('the relay restarts with the same key and port; the cafe re-reserves within 2 s and is reachable again', async () => {
    const before = relay.multiaddrs().map(String)
    const port = portOf(relay)
    await relay.stop()
    await waitFor(() => !cafe.keeper.status()[0].reserved, 3_000, 'the cafe to notice the relay went away')
    expect(cafe.keeper.status()[0].error).toBeDefined()
    expect(cafe.node.getMultiaddrs()).toEqual([])

    relay = await createRelay({ privateKey: relayKey, listen: [`/ip4/127.0.0.1/tcp/${port}/ws`] })
    expect(relay.multiaddrs().map(String)).toEqual(before)
    const took = await waitFor(() => cafe.keeper.status()[0].reserved, 2_000, 'the cafe to re-reserve')
    expect(took).toBeLessThan(2_000)
    expect(relay.reservations().map(String)).toEqual([cafe.node.peerId.toString()])

    const cafeClient = await newClient(client, shareAddress(cafe))
    const { token } = await cafe.cafe.owner.createToken({ label: 'after restart', uses: 1 })
    await cafeClient.register(token)
    expect((await cafeClient.whoami()).account).toBe(cafeClient.account)
  })
})

describe('relay limits and failures', () => {
  it('a relay full of reservations refuses the next cafe, which says so', async () => {
    const relay = await createRelay({ listen: LOOPBACK_ANY_PORT, limits: { maxReservations: 1 } })
    const first = await createRelayedCafe(relay.multiaddrs()[0].toString())
    const second = await createRelayedCafe(relay.multiaddrs()[0].toString())
    try {
      await waitFor(() => first.keeper.status()[0].reserved, 5_000, 'the first reservation')
      await waitFor(() => second.keeper.status()[0].error != null, 5_000, 'the second cafe to fail')
      expect(second.keeper.status()[0]).toMatchObject({ reserved: false, error: expect.stringMatching(/RESERVATION_REFUSED|status 200/) })
      expect(relay.reservations().map(String)).toEqual([first.node.peerId.toString()])
    } finally {
      await Promise.all([first.stop(), second.stop()])
      await relay.stop()
    }
  })

  it('a relayed connection is cut after its data limit', async () => {
    const relay = await createRelay({ listen: LOOPBACK_ANY_PORT, limits: { connectionDataBytes: 16 * 1024 } })
    const cafe = await createRelayedCafe(relay.multiaddrs()[0].toString())
    const client = await createNode()
    try {
      await waitFor(() => cafe.keeper.status()[0].reserved, 5_000, 'the reservation')
      const transport = new Libp2pTransport(client, decodeCafeAddress(shareAddress(cafe)).multiaddrs[0], { timeoutMs: 5_000 })
      expect(await transport.request('cafe.info', {}, undefined)).toMatchObject({ peerId: cafe.node.peerId.toString() })
      await expect(transport.request('cafe.info', { pad: 'x'.repeat(32 * 1024) }, undefined)).rejects.toThrow()
    } finally {
      await client.stop()
      await cafe.stop()
      await relay.stop()
    }
  })

  it('a dead relay is reported within seconds, and dialing a cafe through it fails fast', async () => {
    const relay = await createRelay({ listen: LOOPBACK_ANY_PORT })
    const address = relay.multiaddrs()[0].toString()
    await relay.stop()

    const node = await createNode()
    const started = performance.now()
    const keeper = keepReservations(node, [address], { retryMs: 60_000, timeoutMs: 3_000 })
    try {
      await keeper.check()
      expect(performance.now() - started).toBeLessThan(4_000)
      expect(keeper.status()[0]).toMatchObject({ reserved: false, error: expect.stringMatching(/ECONNREFUSED|dial|connect/i) })

      const cafeId = (await createNode()).peerId // never started behind this relay
      const client = new Libp2pTransport(node, `${address}/p2p-circuit/p2p/${cafeId.toString()}`, { timeoutMs: 3_000 })
      const dialStarted = performance.now()
      await expect(client.request('cafe.info', {}, undefined)).rejects.toThrow()
      expect(performance.now() - dialStarted).toBeLessThan(4_000)
    } finally {
      keeper.stop()
      await node.stop()
    }
  })

  it('a relay that never answers times out the reservation attempt instead of hanging', async () => {
    const { createServer } = await import('node:net')
    const silent = createServer(() => {}) // accepts TCP and says nothing
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as { port: number }).port
    const relayId = (await createNode()).peerId
    const node = await createNode()
    const keeper = keepReservations(node, [`/ip4/127.0.0.1/tcp/${port}/ws/p2p/${relayId.toString()}`], { retryMs: 60_000, timeoutMs: 1_500 })
    try {
      const started = performance.now()
      await keeper.check()
      expect(performance.now() - started).toBeLessThan(3_000)
      expect(keeper.status()[0]).toMatchObject({ reserved: false, error: expect.any(String) })
    } finally {
      keeper.stop()
      await node.stop()
      silent.close()
    }
  })

  it('a relay cannot start on a port in use, with a clear error', async () => {
    const relay = await createRelay({ listen: LOOPBACK_ANY_PORT })
    try {
      await expect(createRelay({ listen: [`/ip4/127.0.0.1/tcp/${portOf(relay)}/ws`] })).rejects.toThrow(/EADDRINUSE|listen/i)
    } finally {
      await relay.stop()
    }
  })

  it('a relay address without /p2p/<id> is refused by keepReservations', async () => {
    const node = await createNode()
    try {
      expect(() => keepReservations(node, ['/ip4/127.0.0.1/tcp/4003/ws'])).toThrow(/p2p/)
    } finally {
      await node.stop()
    }
  })
})
