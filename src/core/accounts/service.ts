/**
 * The accounts service: sessions, accounts, invite tokens, clients and quotas. The
 * account store itself is one of the cafe's components (every door authenticates with
 * it, every service asks it for quotas); this service serves its routes and names the
 * settings `createCafe`'s `accounts` init takes.
 */
import { booleanKey, defineService, integerKey } from '../service.ts'
import { accountRoutes } from './routes.ts'
import type { AccountServicesInit } from './index.ts'
import type { ConfigKey } from '../service.ts'

/** Settings a config file may give; the rest of AccountServicesInit (quota objects, limits) is for code. */
export type AccountsConfig = Pick<AccountServicesInit, 'open' | 'lastSeenIntervalMs' | 'accessTtlSeconds' | 'refreshTtlSeconds'>

const config: Record<keyof AccountsConfig, ConfigKey> = {
  open: booleanKey('let anyone register without a token (default false)'),
  lastSeenIntervalMs: integerKey('how often an active account\'s lastSeen is written (default 60000)', 1000),
  accessTtlSeconds: integerKey('access token lifetime (default 3600)', 60),
  refreshTtlSeconds: integerKey('refresh token lifetime (default 30 days)', 60)
}

export const accountsService = defineService<AccountsConfig>(config, () => components => ({
  provides: { accounts: components.accounts, tokens: components.tokens, sessions: components.sessions, challenges: components.challenges },
  routes: accountRoutes
}))
