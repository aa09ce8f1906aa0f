/**
 * Peers connected to the cafe publish and resolve names over libp2p: the same registry
 * routes on the cafe protocol, through the client library's libp2p transport.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createIPNSRecord, marshalIPNSRecord } from 'ipns'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CafeClient, Libp2pTransport, MemorySessionStore, listNames, publishName, resolveName } from '../../../src/client/index.ts'
import { nameOfPeer } from '../../../src/core/names/name.ts'
import { createLibp2pCafe, type Libp2pCafe } from '../../client/fixtures.ts'

describe('names over libp2p', () => {
  let setup: Libp2pCafe

  beforeAll(async () => { setup = await createLibp2pCafe() })
  afterAll(async () => { await setup?.stop() })

  it('a connected client publishes, another peer resolves and verifies, a stale record is refused', async () => {
    const key = await generateKeyPair('Ed25519')
    const transport = new Libp2pTransport(setup.clientNode, setup.address)
    const client = new CafeClient({ privateKey: key, transport, store: new MemorySessionStore(), clock: setup.cafe.now })
    const { token } = await setup.cafe.owner.createToken({ uses: 1 })
    await client.register(token)
    const record = async (value: string, seq: number): Promise<Uint8Array> => marshalIPNSRecord(await createIPNSRecord(key, value, seq, 3600_000))

    const name = nameOfPeer(peerIdFromPrivateKey(key))
    expect(await publishName(client, await record('/ipfs/bafkqaaa', 1))).toMatchObject({ name, sequence: '1' })
    await expect(publishName(client, await record('/ipfs/bafkqaaa/x', 1))).rejects.toMatchObject({ status: 409, code: 'RECORD_STALE' })
    expect((await listNames(client)).map(n => n.sequence)).toEqual(['1'])

    // a peer with no account resolves it over its own connection
    const resolved = await resolveName(new Libp2pTransport(setup.clientNode, setup.address), name)
    expect(resolved.record.value).toBe('/ipfs/bafkqaaa')
    await expect(resolveName(transport, nameOfPeer(peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))).rejects.toMatchObject({ status: 404, code: 'NAME_NOT_FOUND' })
    // content routing over the same door: the cafe stores nothing here, so it names no one
    expect(await transport.request('routing.providers', { cid: 'bafkqaaa' }, undefined)).toEqual({ Providers: [] })
    await expect(transport.request('routing.providers', { cid: 'nope' }, undefined)).rejects.toMatchObject({ status: 400, code: 'CID_INVALID' })
  })
})
