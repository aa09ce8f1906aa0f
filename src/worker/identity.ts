/**
 * The cafe's peer id, from the key kept in its datastore (made and kept there if there is
 * none yet), without loading or starting the node: the page shows it while libp2p, Helia
 * and the services still load. The runtime reads the same key (Helia's self key) after this.
 */
import { loadOrCreateSelfKey } from '@libp2p/config'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { IDBDatastore } from 'datastore-idb'
import { databaseNames } from '../browser/database-names.ts'

export async function loadPeerId (name: string): Promise<string> {
  const datastore = new IDBDatastore(databaseNames(name).data)
  await datastore.open()
  try {
    return peerIdFromPrivateKey(await loadOrCreateSelfKey(datastore)).toString()
  } finally {
    await datastore.close()
  }
}
