/**
 * The names service: the cafe keeps its clients' signed IPNS records while they are
 * offline, resolves them at /ipns/ (the gateway) and answers the Delegated Routing V1
 * HTTP API for them and for the content it stores.
 */
import { defineService, integerKey } from '../service.ts'
import { createNames, type NamesInit } from './names.ts'
import { createProviders } from './providers.ts'
import { routingHttp } from './routing-http.ts'
import { namesRoutes } from './routes.ts'

export const namesService = defineService<NamesInit>({
  maxKeysPerAccount: integerKey('keys an account may register to publish names for, besides its own (default 16)', 0),
  sweepIntervalMs: integerKey('how often records past their validity give their quota back; 0 turns it off (default 10 minutes)')
}, init => components => {
  const { datastore, logger, clock, accounts, ledger, addresses, httpAddresses, storage } = components
  const names = createNames({ datastore, logger, clock, accounts, ledger }, init)
  const providers = createProviders({
    peerId: components.sessions.issuer,
    addresses,
    httpAddresses,
    blockstore: storage?.blockstore
  })
  return {
    provides: { names, providers },
    routes: namesRoutes,
    httpCodecs: [routingHttp],
    dataOwner: names,
    start: () => { names.start() },
    stop: () => { names.stop() }
  }
})
