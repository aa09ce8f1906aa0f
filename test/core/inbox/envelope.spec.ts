import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import {
  decodeEnvelope, encodeEnvelope, envelopeFromJSON, envelopeToJSON, openMessage, sealMessage, verifyEnvelope, verifyEnvelopeCanonical
} from '../../../src/core/inbox/envelope.ts'
import type { Envelope } from '../../../src/core/inbox/envelope.ts'

const alice = await generateKeyPair('Ed25519')
const bob = await generateKeyPair('Ed25519')
const mallory = await generateKeyPair('Ed25519')
const bobId = peerIdFromPrivateKey(bob).toString()
const aliceId = peerIdFromPrivateKey(alice).toString()

const flip = (bytes: Uint8Array, at: number): Uint8Array => {
  const copy = bytes.slice()
  copy[at] ^= 1
  return copy
}

describe('envelope', () => {
  it('the recipient opens what the sender sealed and sees who sent it', async () => {
    const envelope = await sealMessage(alice, bobId, fromString('hello bob'), { sentAt: 1234 })
    expect(envelope).toMatchObject({ v: 1, from: aliceId, to: bobId, sentAt: 1234 })
    expect(toString(envelope.body)).not.toContain('hello bob')

    const opened = await openMessage(bob, envelope)
    expect(toString(opened.plaintext)).toBe('hello bob')
    expect(opened).toMatchObject({ from: aliceId, to: bobId, sentAt: 1234 })
  })

  it('seals for a peer id object or a public key as well as a peer id string', async () => {
    for (const recipient of [peerIdFromPrivateKey(bob), bob.publicKey]) {
      const envelope = await sealMessage(alice, recipient, fromString('x'))
      expect(envelope.to).toBe(bobId)
      expect(toString((await openMessage(bob, envelope)).plaintext)).toBe('x')
    }
  })

  it('survives the dag-cbor and JSON encodings unchanged', async () => {
    const envelope = await sealMessage(alice, bobId, fromString('round trip'))
    const viaBytes = decodeEnvelope(encodeEnvelope(envelope))
    const viaJson = envelopeFromJSON(JSON.parse(JSON.stringify(envelopeToJSON(envelope))))
    expect(viaBytes).toEqual(envelope)
    expect(viaJson).toEqual(envelope)
    expect(toString((await openMessage(bob, viaJson)).plaintext)).toBe('round trip')
  })

  it('the checked canonical bytes are the envelope\'s own encoding, whatever its size and sender', async () => {
    const sizes = [0, 1, 23, 24, 255, 256, 65535, 65536, 70000]
    for (const [i, size] of sizes.entries()) {
      const sender = [alice, bob, mallory][i % 3]
      const envelope = await sealMessage(sender, i % 2 === 0 ? bobId : aliceId, new Uint8Array(size).fill(i), { sentAt: [0, 23, 24, 2 ** 32, Date.now()][i % 5] })
      expect(await verifyEnvelopeCanonical(envelope)).toEqual(encodeEnvelope(envelope))
    }
  })

  it('two seals of the same text are different envelopes', async () => {
    const a = await sealMessage(alice, bobId, fromString('same'), { sentAt: 1 })
    const b = await sealMessage(alice, bobId, fromString('same'), { sentAt: 1 })
    expect(encodeEnvelope(a)).not.toEqual(encodeEnvelope(b))
  })

  describe('tampering is detected', () => {
    const tampered: Array<[string, (e: Envelope) => Envelope]> = [
      ['a changed body', e => ({ ...e, body: flip(e.body, e.body.length - 1) })],
      ['a changed signature', e => ({ ...e, signature: flip(e.signature, 0) })],
      ['a changed recipient', e => ({ ...e, to: peerIdFromPrivateKey(mallory).toString() })],
      ['a changed sender', e => ({ ...e, from: peerIdFromPrivateKey(mallory).toString() })],
      ['a changed time', e => ({ ...e, sentAt: e.sentAt + 1 })],
      ['a changed nonce', e => ({ ...e, nonce: flip(e.nonce, 3) })]
    ]
    for (const [what, tamper] of tampered) {
      it(`${what} fails the signature check`, async () => {
        const envelope = tamper(await sealMessage(alice, bobId, fromString('secret')))
        await expect(verifyEnvelope(envelope)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', status: 400 })
        await expect(verifyEnvelopeCanonical(envelope)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', status: 400 })
        await expect(openMessage(bob, envelope)).rejects.toMatchObject({ status: 400 })
      })
    }

    it('a body re-signed by someone else under their own name does not decrypt', async () => {
      const original = await sealMessage(alice, bobId, fromString('from alice'))
      const stolen = await sealMessage(mallory, bobId, fromString('decoy'))
      const { signature: _s, ...unsigned } = { ...stolen, body: original.body }
      const { signingBytes } = await import('../../../src/core/util/canonical.ts')
      const resigned = { ...unsigned, signature: await mallory.sign(signingBytes('cafe-envelope-v1', unsigned)) }
      await verifyEnvelope(resigned)
      await expect(openMessage(bob, resigned)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' })
    })
  })

  it('opening with the wrong private key fails', async () => {
    const envelope = await sealMessage(alice, bobId, fromString('for bob only'))
    await expect(openMessage(mallory, envelope)).rejects.toMatchObject({ code: 'RECIPIENT_MISMATCH' })
    // even a key that lies about being the recipient cannot decrypt
    await expect(openMessage(mallory, { ...envelope, to: peerIdFromPrivateKey(mallory).toString() })).rejects.toMatchObject({ status: 400 })
  })

  it('rejects malformed envelopes with ENVELOPE_INVALID', async () => {
    const envelope = await sealMessage(alice, bobId, fromString('x'))
    expect(() => decodeEnvelope(fromString('not cbor at all'))).toThrow(expect.objectContaining({ code: 'ENVELOPE_INVALID' }))
    expect(() => encodeEnvelope({ ...envelope, v: 2 as 1 })).toThrow(expect.objectContaining({ code: 'ENVELOPE_INVALID' }))
    expect(() => envelopeFromJSON({ ...envelopeToJSON(envelope), body: 42 })).toThrow(expect.objectContaining({ code: 'ENVELOPE_INVALID' }))
    await expect(verifyEnvelope({ ...envelope, from: 'not-a-peer-id' })).rejects.toMatchObject({ code: 'ENVELOPE_INVALID' })
  })

  it('refuses to seal for a non-Ed25519 recipient', async () => {
    const secp = await generateKeyPair('secp256k1')
    await expect(sealMessage(alice, peerIdFromPrivateKey(secp).toString(), fromString('x'))).rejects.toMatchObject({ code: 'UNSUPPORTED_KEY' })
  })
})
