/** The demo client's account key, kept in localStorage as base64 protobuf. */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { base64 } from 'multiformats/bases/base64'
import type { PrivateKey } from '@libp2p/interface'

const STORAGE_KEY = 'cafe-client:account-key'

export function exportKey (key: PrivateKey): string {
  return base64.baseEncode(privateKeyToProtobuf(key))
}

export function importKey (text: string): PrivateKey {
  const key = privateKeyFromProtobuf(base64.baseDecode(text.trim()))
  if (key.type !== 'Ed25519') throw new Error('an account key must be Ed25519')
  localStorage.setItem(STORAGE_KEY, exportKey(key))
  return key
}

export async function loadOrCreateAccountKey (): Promise<PrivateKey> {
  const stored = localStorage.getItem(STORAGE_KEY)
  if (stored != null) return importKey(stored)
  const key = await generateKeyPair('Ed25519')
  localStorage.setItem(STORAGE_KEY, exportKey(key))
  return key
}
