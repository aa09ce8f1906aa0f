/**
 * Backup and recovery for an app: pins, CAR uploads and thread snapshots through a
 * CafeClient. Snapshots are sealed here with a key derived from the account key, so
 * the cafe stores bytes it cannot read, and any device holding the account key can
 * sign in and recover them (`recover()`).
 */
import { deriveSnapshotKey, openSnapshot, sealSnapshot, type SnapshotContent } from '../core/snapshots/seal.ts'
import { fromBase64, toBase64 } from '../core/util/canonical.ts'
import type { CafeClient } from './cafe-client.ts'
import type { ProgressOptions, RecoverProgressEvent } from './progress.ts'
import type { CarBody, CarUploadInput, CarUploadOptions } from './transport.ts'
import type { Pin, PinQuery, PinResults, PinStatus } from '../core/pinning/index.ts'
import type { SnapshotInfo } from '../core/snapshots/index.ts'
import type { AbortOptions } from '../core/types.ts'
import type { PrivateKey } from '@libp2p/interface'

export interface RecoveredThread extends SnapshotContent {
  threadId: string
  updatedAt: number
}

export class CafeBackup {
  private readonly client: CafeClient
  private readonly snapshotKey: Uint8Array

  /** `accountKey` must be the key the client signs in with */
  constructor (client: CafeClient, accountKey: PrivateKey) {
    this.client = client
    this.snapshotKey = deriveSnapshotKey(accountKey)
  }

  /** Asks the cafe to fetch and pin a DAG (from `origins` and its peers). */
  async pin (pin: Pin, options?: AbortOptions): Promise<PinStatus> {
    return this.client.call<PinStatus>('pins.add', pin, options)
  }

  async pins (query: PinQuery = {}, options?: AbortOptions): Promise<PinResults> {
    return this.client.call<PinResults>('pins.list', query, options)
  }

  async pinStatus (requestid: string, options?: AbortOptions): Promise<PinStatus> {
    return this.client.call<PinStatus>('pins.get', { requestid }, options)
  }

  async unpin (requestid: string, options?: AbortOptions): Promise<void> {
    await this.client.call('pins.remove', { requestid }, options)
  }

  /** Uploads a CAR whose roots the cafe pins, for clients that cannot serve blocks. */
  async uploadCar (car: CarBody, input?: CarUploadInput, options?: CarUploadOptions): Promise<PinResults> {
    return this.client.uploadCar(car, input, options)
  }

  /** Seals and stores a thread's snapshot; its HEAD must be pinned on the cafe by this account. */
  async saveSnapshot (threadId: string, content: SnapshotContent, options?: AbortOptions): Promise<SnapshotInfo> {
    const ciphertext = sealSnapshot(this.snapshotKey, threadId, content)
    return this.client.call<SnapshotInfo>('snapshots.put', {
      thread: threadId,
      ciphertext: toBase64(ciphertext),
      ...(content.head != null ? { head: content.head } : {})
    }, options)
  }

  async snapshots (options?: AbortOptions): Promise<SnapshotInfo[]> {
    return this.client.call<SnapshotInfo[]>('snapshots.list', {}, options)
  }

  async deleteSnapshot (threadId: string, options?: AbortOptions): Promise<void> {
    await this.client.call('snapshots.delete', { thread: threadId }, options)
  }

  /** Every thread snapshot of the account, opened: what a new device needs to rebuild its threads. */
  async recover (options?: AbortOptions & ProgressOptions<RecoverProgressEvent>): Promise<RecoveredThread[]> {
    const recovered: RecoveredThread[] = []
    const infos = await this.snapshots(options)
    const total = infos.reduce((sum, info) => sum + info.size, 0)
    let bytes = 0
    options?.onProgress?.({ type: 'cafe:snapshots:recover', detail: { bytes, total } })
    for (const info of infos) {
      const snapshot = await this.client.call<SnapshotInfo & { ciphertext: string }>('snapshots.get', { thread: info.threadId }, options)
      const content = openSnapshot(this.snapshotKey, info.threadId, fromBase64(snapshot.ciphertext, 'RESPONSE_INVALID', 'the snapshot'))
      recovered.push({ ...content, threadId: info.threadId, updatedAt: snapshot.updatedAt })
      bytes += info.size
      options?.onProgress?.({ type: 'cafe:snapshots:recover', detail: { bytes, total } })
    }
    return recovered
  }
}
