import { describe, expect, it } from 'vitest'
import { acceptConnection, connectOverPort } from '../../extension/cafe-port.ts'
import { ERROR_MESSAGE } from '../../extension/protocol.ts'
import { NotFoundError } from '../../src/core/errors.ts'
import type { CafeStatus, CafeWorkerApi } from '../../src/worker/api.ts'

const STATUS: CafeStatus = { peerId: '12D3KooWExample', addresses: [], connections: 2, blocks: 7, storage: { usage: 1, quota: 2 }, startedAt: 1 }

const fakeCafe = {
  status: async () => STATUS,
  revokeToken: async (id: string) => { throw new NotFoundError(`no token ${id}`, 'TOKEN_NOT_FOUND') }
} as unknown as CafeWorkerApi

describe('a page\'s port to the extension\'s cafe', () => {
  it('carries calls to the offscreen document once the service worker hands the port on, including calls made before', async () => {
    const { cafe, connected, close } = connectOverPort(async port => { setTimeout(() => { acceptConnection(fakeCafe, port) }, 10) })
    try {
      const early = cafe.status()
      await connected
      expect(await early).toEqual(STATUS)
      expect((await cafe.status()).peerId).toBe('12D3KooWExample')
    } finally {
      close()
    }
  })

  it('keeps a cafe error\'s name and code across the port', async () => {
    const { cafe, close } = connectOverPort(async port => { acceptConnection(fakeCafe, port) })
    try {
      await expect(cafe.revokeToken('nope')).rejects.toMatchObject({ name: 'NotFoundError', code: 'TOKEN_NOT_FOUND', message: 'no token nope' })
    } finally {
      close()
    }
  })

  it('says why when the service worker could not reach the offscreen document', async () => {
    const { connected, close } = connectOverPort(async port => { port.postMessage({ type: ERROR_MESSAGE, message: 'Offscreen documents are not allowed' }) })
    try {
      await expect(connected).rejects.toMatchObject({ name: 'UnavailableError', code: 'CAFE_NOT_RUNNING', message: 'Offscreen documents are not allowed' })
    } finally {
      close()
    }
  })

  it('fails when the port cannot be delivered, and when nobody answers in time', async () => {
    const refused = connectOverPort(async () => { throw new Error('the extension has no active service worker') })
    await expect(refused.connected).rejects.toMatchObject({ code: 'CAFE_NOT_RUNNING', message: 'the extension has no active service worker' })
    refused.close()
    const silent = connectOverPort(async () => {}, 50)
    await expect(silent.connected).rejects.toMatchObject({ code: 'CAFE_NOT_RUNNING', message: /did not answer within 50 ms/ })
    silent.close()
  })
})
