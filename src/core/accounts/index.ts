/**
 * Accounts, access tokens, challenges and sessions, wired together.
 */
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createAccountService } from './accounts.ts'
import { createChallengeService } from './challenges.ts'
import { createCallerLimiter } from '../util/rate-limiter.ts'
import { createSessionService } from './sessions.ts'
import { createTokenService } from './tokens.ts'
import type { AccountInit, AccountService } from './accounts.ts'
import type { ChallengeInit, ChallengeService } from './challenges.ts'
import type { CallerLimiterInit } from '../util/rate-limiter.ts'
import type { SessionInit, SessionService } from './sessions.ts'
import type { TokenService } from './tokens.ts'
import type { BaseComponents } from '../types.ts'
import type { PrivateKey } from '@libp2p/interface'

export * from './accounts.ts'
export * from './challenges.ts'
export * from './challenge-message.ts'
export * from '../util/rate-limiter.ts'
export * from './sessions.ts'
export * from './tokens.ts'

export interface AccountServices {
  accounts: AccountService
  tokens: TokenService
  sessions: SessionService
  challenges: ChallengeService
}

export interface AccountServicesComponents extends BaseComponents {
  /** the cafe's libp2p key (Ed25519): signs sessions, names the cafe in challenges */
  privateKey: PrivateKey
}

export interface AccountServicesInit extends AccountInit, SessionInit {
  challenges?: ChallengeInit
  /**
   * failed registrations/sign-ins (and libp2p authentications) allowed per remote; default 5
   * in a burst, one more per minute; an address shared by many remotes gets `addressShare` (4) times that
   */
  failures?: Omit<CallerLimiterInit, 'clock'>
}

export function createAccountServices (components: AccountServicesComponents, init: AccountServicesInit = {}): AccountServices {
  const cafePeerId = peerIdFromPrivateKey(components.privateKey).toString()
  const tokens = createTokenService(components)
  const sessions = createSessionService(components, init)
  const challenges = createChallengeService({ ...components, cafePeerId }, init.challenges)
  const failures = createCallerLimiter({
    capacity: 5,
    refillPerSecond: 1 / 60,
    code: 'TOO_MANY_FAILURES',
    ...init.failures,
    clock: components.clock
  })
  const accounts = createAccountService({ ...components, tokens, sessions, challenges, failures }, init)
  return { accounts, tokens, sessions, challenges }
}
