/**
 * Accounts in Node: registrations per second (challenge, signature, token, record,
 * session) beside the Ed25519 signature check each one needs; session verifications
 * per second (JWT verify + the account check) beside a bare jose jwtVerify with the
 * same key, for distinct tokens (no cache) and for one token repeated (cached).
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MemoryDatastore } from 'datastore-core'
import { importJWK, jwtVerify } from 'jose'
import { base64url } from 'multiformats/bases/base64'
import { challengeMessage, createAccountServices } from '../../src/core/accounts/index.ts'
import { ratePerSecond, report } from './measure.ts'
import type { PrivateKey } from '@libp2p/interface'

const REGISTRATIONS = Number(process.env.BENCH_REGISTRATIONS ?? 500)

const cafeKey = await generateKeyPair('Ed25519')
const cafeId = peerIdFromPrivateKey(cafeKey).toString()
const { accounts, tokens } = createAccountServices(
  { datastore: new MemoryDatastore(), logger: defaultLogger(), privateKey: cafeKey },
  { failures: { capacity: 1e9, refillPerSecond: 1e9 }, challenges: { maxOutstanding: 1e6 } }
)
const { token } = await tokens.create({ label: 'bench', uses: null })
const clientKeys: PrivateKey[] = await Promise.all(Array.from({ length: REGISTRATIONS }, async () => generateKeyPair('Ed25519')))

const accessTokens: string[] = []
const registrationsPerSecond = await ratePerSecond(REGISTRATIONS, async (i) => {
  const key = clientKeys[i]
  const { nonce } = await accounts.challenge()
  const signature = base64url.baseEncode(await key.sign(challengeMessage(cafeId, nonce)))
  const session = await accounts.createSession({ account: peerIdFromPrivateKey(key).toString(), nonce, signature, token })
  accessTokens.push(session.accessToken)
})

const message = challengeMessage(cafeId, 'x'.repeat(22))
const signed = await clientKeys[0].sign(message)
const ed25519VerifiesPerSecond = await ratePerSecond(REGISTRATIONS, async () => clientKeys[0].publicKey.verify(message, signed))

const verificationsPerSecond = await ratePerSecond(accessTokens.length, async (i) => accounts.authenticate(accessTokens[i]))
const cachedVerificationsPerSecond = await ratePerSecond(accessTokens.length, async () => accounts.authenticate(accessTokens[0]))

const verifyKey = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: base64url.baseEncode(cafeKey.publicKey.raw) }, 'EdDSA')
const joseVerifiesPerSecond = await ratePerSecond(accessTokens.length, async (i) => jwtVerify(accessTokens[i], verifyKey, { algorithms: ['EdDSA'] }))

report({
  accounts: {
    registrations: REGISTRATIONS,
    registrationsPerSecond,
    ed25519VerifiesPerSecond,
    registrationToEd25519: registrationsPerSecond / ed25519VerifiesPerSecond,
    sessionVerificationsPerSecond: verificationsPerSecond,
    cachedSessionVerificationsPerSecond: cachedVerificationsPerSecond,
    bareJoseVerifiesPerSecond: joseVerifiesPerSecond,
    sessionToBareJose: verificationsPerSecond / joseVerifiesPerSecond
  }
})
