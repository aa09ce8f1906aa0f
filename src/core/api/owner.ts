/**
 * The owner's operations as a plain object, for the console: the SharedWorker
 * exposes it over its private channel (comlink). Each call goes through
 * `CafeApi.call` as the owner, with the same input checks as the HTTP door.
 */
import type { CafeApi } from './api.ts'
import type { ClientInfo, CreatedToken, TokenInfo } from '../accounts/index.ts'
import type { ContactJSON, SearchQuery } from '../directory/index.ts'
import type { NameInfo } from '../names/names.ts'
import type { GarbageReport, PinQuery, PinResults } from '../pinning/index.ts'
import type { AccountId, Quota } from '../types.ts'

export interface CreateTokenInput {
  label?: string
  /** ms since the epoch; null or absent for never */
  expiresAt?: number | null
  /** null or absent for unlimited */
  uses?: number | null
}

export interface OwnerApi {
  listTokens (): Promise<TokenInfo[]>
  createToken (input?: CreateTokenInput): Promise<CreatedToken>
  revokeToken (id: string): Promise<void>
  listClients (): Promise<ClientInfo[]>
  removeClient (account: AccountId): Promise<void>
  setClientQuota (account: AccountId, quota: Quota): Promise<ClientInfo>
  resetClientQuota (account: AccountId): Promise<ClientInfo>
  getDefaultQuota (): Promise<Quota>
  setDefaultQuota (quota: Quota): Promise<Quota>
  /** a client's pin requests in every status (newest 100 unless `query` says otherwise) */
  clientPins (account: AccountId, query?: PinQuery): Promise<PinResults>
  /** a client's hosted IPNS names with their sequence and expiry */
  clientNames (account: AccountId): Promise<NameInfo[]>
  /** the directory as anyone sees it (the console's search box, a client's entry) */
  searchDirectory (query: SearchQuery): Promise<{ contacts: ContactJSON[], cursor?: string }>
  /** blocks nothing needs: reported, and removed unless dryRun */
  collectGarbage (input?: { dryRun?: boolean }): Promise<GarbageReport>
}

export function createOwnerApi (api: CafeApi<any>): OwnerApi {
  const call = async <T>(op: string, input: object = {}): Promise<T> => api.call({ op, input, owner: true }) as Promise<T>
  return {
    listTokens: async () => call('tokens.list'),
    createToken: async (input = {}) => call('tokens.create', input),
    revokeToken: async id => call('tokens.revoke', { id }),
    listClients: async () => call('clients.list'),
    removeClient: async account => call('clients.remove', { peer: account }),
    setClientQuota: async (account, quota) => call('clients.setQuota', { ...quota, peer: account }),
    resetClientQuota: async account => call('clients.resetQuota', { peer: account }),
    getDefaultQuota: async () => call('quota.get'),
    setDefaultQuota: async quota => call('quota.set', quota),
    searchDirectory: async query => call('directory.search', query),
    clientPins: async (account, query = {}) => call('clients.pins', { ...query, peer: account }),
    collectGarbage: async (input = {}) => call('gc.run', input),
    clientNames: async account => (await call<{ names: NameInfo[] }>('clients.names', { peer: account })).names
  }
}
