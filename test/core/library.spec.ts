import { defaultLogger } from '@libp2p/logger'
import { MemoryDatastore } from 'datastore-core'
import { describe, expect, it } from 'vitest'
import { createLibrary } from '../../src/core/library/library.ts'

const cid = 'bafkreiepinbumzepnoln7co5vea4kf3lcctnqolb3u6bvsellgznymt2uq'
const dirCid = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'

describe('library', () => {
  it('lists what was added, newest first, with names and sizes', async () => {
    let now = 1000
    const library = createLibrary({ datastore: new MemoryDatastore(), logger: defaultLogger(), clock: () => now })
    await library.record({ cid, name: 'hello.txt', size: 2, kind: 'file' })
    now = 2000
    await library.record({ cid: dirCid, name: 'photos', size: 1234, kind: 'directory' })
    expect(await library.list()).toEqual([
      { cid: dirCid, name: 'photos', size: 1234, kind: 'directory', addedAt: 2000 },
      { cid, name: 'hello.txt', size: 2, kind: 'file', addedAt: 1000 }
    ])
  })

  it('survives a restart: a new library over the same datastore sees the entries', async () => {
    const datastore = new MemoryDatastore()
    await createLibrary({ datastore, logger: defaultLogger() }).record({ cid, name: 'a', size: 1, kind: 'file' })
    expect((await createLibrary({ datastore, logger: defaultLogger() }).list()).map(e => e.cid)).toEqual([cid])
  })

  it('refuses a malformed CID, an empty name or a negative size', async () => {
    const library = createLibrary({ datastore: new MemoryDatastore(), logger: defaultLogger() })
    await expect(library.record({ cid: 'nope', name: 'a', size: 1, kind: 'file' })).rejects.toMatchObject({ code: 'CID_INVALID', status: 400 })
    await expect(library.record({ cid, name: '', size: 1, kind: 'file' })).rejects.toMatchObject({ code: 'NAME_INVALID' })
    await expect(library.record({ cid, name: 'a', size: -1, kind: 'file' })).rejects.toMatchObject({ code: 'SIZE_INVALID' })
    expect(await library.list()).toEqual([])
  })

  it('removes an entry, and removing an unknown one is a 404', async () => {
    const library = createLibrary({ datastore: new MemoryDatastore(), logger: defaultLogger() })
    await library.record({ cid, name: 'a', size: 1, kind: 'file' })
    await library.remove(cid)
    expect(await library.list()).toEqual([])
    await expect(library.remove(cid)).rejects.toMatchObject({ status: 404 })
  })
})
