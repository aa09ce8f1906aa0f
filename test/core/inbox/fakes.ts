import type { AccountDirectory, AccountId, Quota } from '../../../src/core/types.ts'

export const DEFAULT_QUOTA: Quota = { storageBytes: 1 << 30, inboxMessages: 1000, inboxBytes: 10 << 20 }

/** An in-memory AccountDirectory: register accounts with a quota, deregister them. */
export class FakeAccounts implements AccountDirectory {
  readonly quotas = new Map<AccountId, Quota>()

  register (account: AccountId, quota: Partial<Quota> = {}): void {
    this.quotas.set(account, { ...DEFAULT_QUOTA, ...quota })
  }

  deregister (account: AccountId): void {
    this.quotas.delete(account)
  }

  async isRegistered (account: AccountId): Promise<boolean> {
    return this.quotas.has(account)
  }

  async quotaOf (account: AccountId): Promise<Quota> {
    const quota = this.quotas.get(account)
    if (quota == null) throw new Error(`not registered: ${account}`)
    return quota
  }
}

/** A clock tests move by hand. */
export function manualClock (start = 1_700_000_000_000): { now: () => number, advance: (ms: number) => void } {
  let time = start
  return { now: () => time, advance: (ms) => { time += ms } }
}
