import { defaultLogger } from '@libp2p/logger'
import { Key } from 'interface-datastore'
import { describe, expect, it } from 'vitest'
import {
  AbortedError, BadRequestError, CAFE_ERROR_CODES, CafeError, MissingBlockError, PayloadTooLargeError, QuotaExceededError,
  StorageCorruptError, TimeoutError, isAbort, isCafeErrorCode, toCafeError
} from '../../src/core/errors.ts'
import { createLibrary } from '../../src/core/library/library.ts'
import { createSnapshots } from '../../src/core/snapshots/index.ts'
import { createStorageLedger } from '../../src/core/storage/ledger.ts'
import { ALICE, FakeAccounts } from './pinning/helpers.ts'
import { MemoryDatastore } from 'datastore-core'

describe('error codes', () => {
  it('are one list, each spelled once, in the X_INVALID convention', () => {
    expect(new Set(CAFE_ERROR_CODES).size).toBe(CAFE_ERROR_CODES.length)
    // a second spelling of a condition would show up as INVALID_X or BAD_X
    expect(CAFE_ERROR_CODES.filter(code => /^(INVALID|BAD)_/.test(code) && code !== 'BAD_REQUEST')).toEqual([])
    expect(isCafeErrorCode('CID_INVALID')).toBe(true)
    expect(isCafeErrorCode('INVALID_CID')).toBe(false)
  })

  it('a misspelled code does not compile', () => {
    // @ts-expect-error INVALID_CID is not a CafeErrorCode (the code is CID_INVALID)
    const err = new BadRequestError('x', 'INVALID_CID')
    expect(err.status).toBe(400)
  })

  it('domain classes carry their code and the status of their family', () => {
    expect(new QuotaExceededError('full')).toMatchObject({ name: 'QuotaExceededError', code: 'QUOTA_EXCEEDED', status: 413 })
    expect(new QuotaExceededError('full')).toBeInstanceOf(PayloadTooLargeError)
    expect(new MissingBlockError('gone')).toMatchObject({ name: 'MissingBlockError', code: 'BLOCK_MISSING' })
    expect(new StorageCorruptError('bad')).toMatchObject({ name: 'StorageCorruptError', code: 'STORAGE_CORRUPT', status: 500 })
  })
})

describe('toCafeError', () => {
  it('a timeout from AbortSignal.timeout is a 504 TIMEOUT, not a 500', async () => {
    const signal = AbortSignal.timeout(1)
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(signal.reason).toMatchObject({ name: 'TimeoutError' })
    const err = toCafeError(signal.reason)
    expect(err).toBeInstanceOf(TimeoutError)
    expect(err).toMatchObject({ code: 'TIMEOUT', status: 504 })
  })

  it('an abort is a 499 ABORTED, which callers do not log as a fault', () => {
    const controller = new AbortController()
    controller.abort()
    const err = toCafeError(controller.signal.reason)
    expect(err).toBeInstanceOf(AbortedError)
    expect(err).toMatchObject({ code: 'ABORTED', status: 499 })
    expect(isAbort(controller.signal.reason)).toBe(true)
    expect(isAbort(err)).toBe(true)
    expect(isAbort(new Error('boom'))).toBe(false)
  })

  it('a CafeError passes through; anything else is a 500 INTERNAL without its message', () => {
    const own = new CafeError('mine', 'CONFLICT', 409)
    expect(toCafeError(own)).toBe(own)
    expect(toCafeError(new Error('secret path /home/x'))).toMatchObject({ code: 'INTERNAL', status: 500, message: 'internal error' })
  })
})

describe('corrupt storage', () => {
  it('a stored snapshot record that does not decode is a 500 STORAGE_CORRUPT, not a 400', async () => {
    const datastore = new MemoryDatastore()
    const accounts = new FakeAccounts([ALICE], 10_000)
    const ledger = createStorageLedger({ accounts, logger: defaultLogger() })
    const snapshots = createSnapshots({ datastore, accounts, logger: defaultLogger(), clock: () => 1, ledger }, { maxSnapshotBytes: 4096 })
    await snapshots.put(ALICE, 'thread-1', new Uint8Array(10).fill(1))
    for await (const key of datastore.queryKeys({})) {
      if (key.toString().includes('thread-1') && !(await datastore.get(key)).every(byte => byte === 1)) await datastore.put(key, Uint8Array.of(0xff, 0x00))
    }
    await expect(snapshots.list(ALICE)).rejects.toMatchObject({ name: 'StorageCorruptError', code: 'STORAGE_CORRUPT', status: 500 })
  })

  it('a library entry that does not decode is a 500 STORAGE_CORRUPT', async () => {
    const datastore = new MemoryDatastore()
    const library = createLibrary({ datastore, logger: defaultLogger() })
    await library.record({ cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', name: 'a.txt', size: 1, kind: 'file' })
    for await (const key of datastore.queryKeys({})) await datastore.put(new Key(key.toString()), new TextEncoder().encode('{not json'))
    await expect(library.list()).rejects.toMatchObject({ name: 'StorageCorruptError', status: 500 })
  })
})
