/** A minimal app using the client library's gateway: connect, register the worker, serve it blocks. */
import { cafeBlockFetcher, registerCafeGateway } from '../../src/client/index.ts'
import { createCafeClientNode } from '../../src/client/client-node.ts'
import { connectCafe } from '../../src/client/connect.ts'

const address = new URLSearchParams(location.hash.slice(1)).get('cafe')
if (address != null) {
  const node = await createCafeClientNode()
  const link = await connectCafe(node.libp2p, address)
  await registerCafeGateway('/sw.js', cafeBlockFetcher(node, link), { cafe: link.peerId.toString() })
  document.body.dataset.ready = link.via
} else {
  document.body.dataset.ready = 'no cafe'
}
