import 'fake-indexeddb/auto'
import { loadOrCreateSelfKey } from '@libp2p/config'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { IDBDatastore } from 'datastore-idb'
import { describe, expect, it } from 'vitest'
import { databaseNames } from '../../src/browser/database-names.ts'
import { loadPeerId } from '../../src/worker/identity.ts'

describe('the peer id shown before the node starts', () => {
  it('is the id the node then starts with, the same on every load', async () => {
    const first = await loadPeerId('identity-test')
    expect(first).toMatch(/^12D3Koo/)
    expect(await loadPeerId('identity-test')).toBe(first)
    // what createBrowserCafeNode reads: Helia's self key in the same datastore
    const datastore = new IDBDatastore(databaseNames('identity-test').data)
    await datastore.open()
    expect(peerIdFromPrivateKey(await loadOrCreateSelfKey(datastore)).toString()).toBe(first)
    await datastore.close()
    expect(await loadPeerId('another-cafe')).not.toBe(first)
  })
})
