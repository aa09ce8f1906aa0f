import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { MemoryDatastore } from 'datastore-core'
import { Key } from 'interface-datastore'
import { base16 } from 'multiformats/bases/base16'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { parseCid } from '../../../src/core/util/cid.ts'
import { linksOf } from '../../../src/core/util/dag.ts'
import { getOrUndefined } from '../../../src/core/util/datastore.ts'
import { withTimeout } from '../../../src/core/util/with-timeout.ts'

const rawCid = async (text: string): Promise<CID> => CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(text)))

describe('parseCid', () => {
  it('reads a CID in any basic multibase', async () => {
    const cid = await rawCid('a')
    expect(parseCid(cid.toString(base16)).equals(cid)).toBe(true)
    expect(parseCid(cid.toString()).equals(cid)).toBe(true)
  })

  it('refuses anything else with InvalidCIDError (400 CID_INVALID)', () => {
    expect(() => parseCid('bafy-not-a-cid')).toThrow(expect.objectContaining({ name: 'InvalidCIDError', status: 400, code: 'CID_INVALID' }))
    expect(() => parseCid(42)).toThrow(expect.objectContaining({ name: 'InvalidCIDError', status: 400, code: 'CID_INVALID' }))
    expect(() => parseCid('b'.repeat(300), { maxLength: 256 })).toThrow(expect.objectContaining({ status: 400 }))
  })
})

describe('linksOf', () => {
  it('lists the links of dag-pb and dag-cbor blocks in order, none for raw', async () => {
    const [a, b] = [await rawCid('a'), await rawCid('b')]
    const pb = dagPb.encode(dagPb.prepare({ Links: [{ Hash: a, Name: 'a' }, { Hash: b, Name: 'b' }] }))
    expect(linksOf(CID.createV1(dagPb.code, await sha256.digest(pb)), pb)).toEqual([a, b])
    const cbor = dagCbor.encode({ x: [a, { y: b }] })
    expect(linksOf(CID.createV1(dagCbor.code, await sha256.digest(cbor)), cbor)).toEqual([a, b])
    expect(linksOf(a, new TextEncoder().encode('a'))).toEqual([])
  })
})

describe('getOrUndefined', () => {
  it('gives the value, undefined for a missing key, and throws other store errors', async () => {
    const store = new MemoryDatastore()
    await store.put(new Key('/a'), Uint8Array.of(1))
    expect(await getOrUndefined(store, new Key('/a'))).toEqual(Uint8Array.of(1))
    expect(await getOrUndefined(store, new Key('/b'))).toBeUndefined()
    const broken = { get: async () => { throw new Error('disk on fire') } }
    await expect(getOrUndefined(broken, new Key('/a'))).rejects.toThrow('disk on fire')
  })
})

describe('withTimeout', () => {
  it('settles as the work does, with the caller\'s error when time runs out, with the signal\'s reason on abort', async () => {
    expect(await withTimeout(Promise.resolve(1), 1_000, () => new Error('late'))).toBe(1)
    const never = new Promise<never>(() => {})
    await expect(withTimeout(never, 20, () => new Error('late'))).rejects.toThrow('late')
    const controller = new AbortController()
    const pending = withTimeout(never, 10_000, () => new Error('late'), controller.signal)
    controller.abort(new Error('stopped'))
    await expect(pending).rejects.toThrow('stopped')
  })
})
