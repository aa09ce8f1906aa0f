import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MemoryDatastore } from 'datastore-core'
import { toString } from 'uint8arrays/to-string'
import { challengeMessage, createAccountServices } from '../../../src/core/accounts/index.ts'
import type { AccountServices, AccountServicesInit, SessionResult } from '../../../src/core/accounts/index.ts'
import type { PrivateKey } from '@libp2p/interface'

export interface Cafe extends AccountServices {
  key: PrivateKey
  peerId: string
  datastore: MemoryDatastore
  /** move the cafe's clock */
  advance (ms: number): void
  now (): number
}

export async function createCafe (init: AccountServicesInit = {}): Promise<Cafe> {
  const key = await generateKeyPair('Ed25519')
  const datastore = new MemoryDatastore()
  let now = Date.UTC(2026, 10, 1)
  const clock = (): number => now
  const services = createAccountServices({ datastore, logger: defaultLogger(), clock, privateKey: key }, init)
  return {
    ...services,
    key,
    peerId: peerIdFromPrivateKey(key).toString(),
    datastore,
    advance: ms => { now += ms },
    now: clock
  }
}

export interface Account { key: PrivateKey, id: string }

export async function createAccount (): Promise<Account> {
  const key = await generateKeyPair('Ed25519')
  return { key, id: peerIdFromPrivateKey(key).toString() }
}

export async function sign (account: Account, cafe: string, nonce: string): Promise<string> {
  return toString(await account.key.sign(challengeMessage(cafe, nonce)), 'base64url')
}

/** challenge → sign → createSession, as a client does */
export async function startSession (cafe: Cafe, account: Account, token?: string, remote?: string): Promise<SessionResult> {
  const { nonce } = await cafe.accounts.challenge()
  const signature = await sign(account, cafe.peerId, nonce)
  return cafe.accounts.createSession({ account: account.id, nonce, signature, token }, { remote })
}

export async function registered (cafe: Cafe, account: Account): Promise<SessionResult> {
  const { token } = await cafe.tokens.create({ uses: 1 })
  return startSession(cafe, account, token)
}
