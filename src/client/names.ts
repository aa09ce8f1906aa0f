/**
 * Names for an app: host the account's signed IPNS records on its cafe, so peers resolve
 * them while the app is offline, and resolve names any cafe hosts, keeping only records
 * whose signature checks out.
 */
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { ipnsValidator } from 'ipns/validator'
import { marshalIPNSRecord, unmarshalIPNSRecord, type IPNSRecord } from 'ipns'
import { keyProofMessage } from '../core/names/names.ts'
import { parseIpnsName } from '../core/names/name.ts'
import { fromBase64, toBase64 } from '../core/util/canonical.ts'
import type { NameInfo } from '../core/names/names.ts'
import type { ResolvedNameJSON } from '../core/names/routes.ts'
import type { CafeClient } from './cafe-client.ts'
import type { CafeTransport } from './transport.ts'
import type { AbortOptions } from '../core/types.ts'
import type { PrivateKey } from '@libp2p/interface'

export type { NameInfo } from '../core/names/names.ts'

export interface PublishNameOptions extends AbortOptions {
  /** the name the record is for; default the account's own (its peer id) */
  name?: string
}

/** A hosted record, checked against its name. */
export interface ResolvedName extends NameInfo {
  record: IPNSRecord
  /** the record as the cafe holds it (protobuf) */
  bytes: Uint8Array
}

/** Hosts a signed IPNS record (as the `ipns` package makes it, or its protobuf bytes) on the client's cafe. */
export async function publishName (client: CafeClient, record: IPNSRecord | Uint8Array, options: PublishNameOptions = {}): Promise<NameInfo> {
  const bytes = record instanceof Uint8Array ? record : marshalIPNSRecord(record)
  const name = options.name ?? client.account
  return client.call<NameInfo>('names.publish', { name, record: toBase64(bytes) }, options)
}

/** Lets the account publish records for another key it holds (one signature, once per key). */
export async function registerNameKey (client: CafeClient, key: PrivateKey, options?: AbortOptions): Promise<{ name: string }> {
  const signature = await key.sign(keyProofMessage(client.account), options)
  return client.call('names.addKey', { publicKey: toBase64(publicKeyToProtobuf(key.publicKey)), signature: toBase64(signature) }, options)
}

/** The names the account hosts on its cafe, with their sequence and expiry. */
export async function listNames (client: CafeClient, options?: AbortOptions): Promise<NameInfo[]> {
  return (await client.call<{ names: NameInfo[] }>('names.list', {}, options)).names
}

/** Resolves a name a cafe hosts (no registration needed); a record that does not verify for the name is refused. */
export async function resolveName (cafe: CafeTransport, name: string, options?: AbortOptions): Promise<ResolvedName> {
  const found = await cafe.request('names.resolve', { name }, undefined, options) as ResolvedNameJSON
  const bytes = fromBase64(found.record, 'RESPONSE_INVALID', 'record')
  await ipnsValidator(parseIpnsName(name).routingKey, bytes)
  return { ...found, record: unmarshalIPNSRecord(bytes), bytes }
}
