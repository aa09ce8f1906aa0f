import { defaultLogger } from '@libp2p/logger'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { exporter } from 'ipfs-unixfs-exporter'
import all from 'it-all'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { addFiles, type FileToAdd } from '../../src/core/library/add-files.ts'
import { createLibrary } from '../../src/core/library/library.ts'

function file (path: string, text: string): FileToAdd {
  const bytes = new TextEncoder().encode(text)
  return { path, size: bytes.byteLength, content: (async function * () { yield bytes })() }
}

async function text (blockstore: MemoryBlockstore, cid: string, path = ''): Promise<string> {
  const entry = await exporter(`${cid}${path}`, blockstore)
  if (entry.type !== 'file' && entry.type !== 'raw') throw new Error(`${cid}${path} is not a file`)
  const chunks = await all(entry.content())
  return new TextDecoder().decode(Buffer.concat(chunks as Uint8Array[]))
}

describe('adding files and folders', () => {
  it('adds a single file as UnixFS and records its name and size', async () => {
    const blockstore = new MemoryBlockstore()
    const library = createLibrary({ datastore: new MemoryDatastore(), logger: defaultLogger() })
    const [entry] = await addFiles({ blockstore, library }, [file('hello.txt', 'hello world')])
    expect(entry).toMatchObject({ name: 'hello.txt', size: 11, kind: 'file' })
    expect(await text(blockstore, entry.cid)).toBe('hello world')
    expect((await library.list()).map(e => e.cid)).toEqual([entry.cid])
  })

  it('keeps a folder\'s structure as one UnixFS directory', async () => {
    const blockstore = new MemoryBlockstore()
    const library = createLibrary({ datastore: new MemoryDatastore(), logger: defaultLogger() })
    const added = await addFiles({ blockstore, library }, [
      file('site/index.html', '<h1>hi</h1>'),
      file('site/img/a.txt', 'A'),
      file('loose.txt', 'loose')
    ])
    const site = added.find(e => e.name === 'site')
    expect(site).toMatchObject({ kind: 'directory', size: 12 })
    expect(CID.parse(site!.cid).code).toBe(0x70) // dag-pb directory
    expect(await text(blockstore, site!.cid, '/img/a.txt')).toBe('A')
    expect(await text(blockstore, site!.cid, '/index.html')).toBe('<h1>hi</h1>')
    expect(added.find(e => e.name === 'loose.txt')?.kind).toBe('file')
  })

  it('refuses paths that climb out of a folder', async () => {
    const library = createLibrary({ datastore: new MemoryDatastore(), logger: defaultLogger() })
    await expect(addFiles({ blockstore: new MemoryBlockstore(), library }, [file('a/../../etc', 'x')])).rejects.toMatchObject({ code: 'PATH_INVALID' })
    expect(await library.list()).toEqual([])
  })
})
