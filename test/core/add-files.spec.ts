import { unixfs } from '@helia/unixfs'
import { defaultLogger } from '@libp2p/logger'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { exporter } from 'ipfs-unixfs-exporter'
import all from 'it-all'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { addFiles, type FileToAdd } from '../../src/core/library/add-files.ts'
import { createLibrary } from '../../src/core/library/library.ts'
import type { LeafPutOptions } from '../../src/core/library/eager-leaves.ts'
import { walkDag, type DagIndex } from '../../src/core/pinning/dag.ts'
import type { Blockstore } from 'interface-blockstore'

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

  it('keeps a multi-block file with the DAG known, so nothing is read back, and matches a plain import', async () => {
    const blockstore = new MemoryBlockstore()
    const library = createLibrary({ datastore: new MemoryDatastore(), logger: defaultLogger() })
    const bytes = new Uint8Array(3 * 1_048_576 + 5).map((_, i) => i % 251)
    let kept: { cid: CID, index?: DagIndex } | undefined
    const [entry] = await addFiles({ blockstore, library, keep: async (cid, options) => { kept = { cid, index: options?.index } } }, [
      { path: 'big.bin', size: bytes.byteLength, content: (async function * () { yield bytes.subarray(0, 100); yield bytes.subarray(100) })() }
    ])
    // the same CID as Helia's own import (1 MiB raw leaves under a dag-pb root)
    expect(entry.cid).toBe((await unixfs({ blockstore: new MemoryBlockstore() }).addBytes(bytes)).toString())
    expect(kept?.cid.toString()).toBe(entry.cid)
    const noReads = { get: () => { throw new Error('read back') } } as unknown as Blockstore
    const walked = await all(walkDag(noReads, kept!.cid, { index: kept!.index }))
    expect(walked).toHaveLength(5)
    expect(walked.filter(block => block.cid.code === 0x55).reduce((sum, block) => sum + block.size, 0)).toBe(bytes.byteLength)
    expect(await text(blockstore, entry.cid)).toHaveLength(bytes.byteLength)
  })

  it('fails the add when the store refuses a block, and records nothing', async () => {
    const blockstore = new MemoryBlockstore()
    const library = createLibrary({ datastore: new MemoryDatastore(), logger: defaultLogger() })
    const failing = { get: blockstore.get.bind(blockstore), has: blockstore.has.bind(blockstore), put: async () => { throw new Error('disk full') } }
    let kept = false
    await expect(addFiles({ blockstore: failing, library, keep: async () => { kept = true } }, [file('a.txt', 'a')])).rejects.toThrow('disk full')
    expect(kept).toBe(false)
    expect(await library.list()).toEqual([])
  })

  describe('with the file at hand as a Blob', () => {
    const MiB = 1024 * 1024
    // 2.5 MiB: three raw leaves of the importer's 1 MiB chunks
    const bytes = new Uint8Array(2.5 * MiB).map((_, i) => (i * 7919) % 251)

    function blobFile (path: string, data: Uint8Array<ArrayBuffer>, blob: Blob = new Blob([data])): FileToAdd {
      return { path, size: data.byteLength, content: (async function * () { for (let i = 0; i < data.length; i += 65536) yield data.subarray(i, i + 65536) })(), blob }
    }

    /** the puts a store saw, with the Blob each one brought */
    function recording (): { blockstore: MemoryBlockstore, puts: Array<{ cid: CID, bytes: Uint8Array, blob?: Blob }> } {
      const blockstore = new MemoryBlockstore()
      const puts: Array<{ cid: CID, bytes: Uint8Array, blob?: Blob }> = []
      const put = blockstore.put.bind(blockstore)
      blockstore.put = async (cid, value, options?: LeafPutOptions) => {
        puts.push({ cid, bytes: value as Uint8Array, blob: options?.blob })
        return put(cid, value, options)
      }
      return { blockstore, puts }
    }

    it('puts each leaf with the slice of the Blob that holds its bytes, and the file reads back whole', async () => {
      const { blockstore, puts } = recording()
      const library = createLibrary({ datastore: new MemoryDatastore(), logger: defaultLogger() })
      const [entry] = await addFiles({ blockstore, library }, [blobFile('big.bin', bytes)])
      const leaves = puts.filter(put => put.cid.code === 0x55)
      expect(leaves).toHaveLength(3)
      for (const leaf of leaves) {
        expect(leaf.blob).toBeInstanceOf(Blob)
        expect(new Uint8Array(await (leaf.blob as Blob).arrayBuffer())).toEqual(leaf.bytes)
      }
      // the root is made by the importer, not read from the file: no Blob
      expect(puts.filter(put => put.cid.code !== 0x55).every(put => put.blob == null)).toBe(true)
      const read = await exporter(entry.cid, blockstore)
      if (read.type !== 'file') throw new Error(`${entry.cid} is not a file`)
      expect(Buffer.concat(await all(read.content()) as Uint8Array[])).toEqual(Buffer.from(bytes))
    })

    it('gives each file of a folder the slices of its own Blob', async () => {
      const { blockstore, puts } = recording()
      const library = createLibrary({ datastore: new MemoryDatastore(), logger: defaultLogger() })
      const other = bytes.map(b => b ^ 0xff)
      await addFiles({ blockstore, library }, [blobFile('dir/a.bin', bytes), blobFile('dir/b.bin', other), file('dir/c.txt', 'no blob')])
      const leaves = puts.filter(put => put.cid.code === 0x55)
      expect(leaves).toHaveLength(7)
      for (const leaf of leaves) {
        if (leaf.blob == null) {
          expect(new TextDecoder().decode(leaf.bytes)).toBe('no blob')
          continue
        }
        expect(new Uint8Array(await leaf.blob.arrayBuffer())).toEqual(leaf.bytes)
      }
    })

    it('fails the add when the content runs past its Blob, and records nothing', async () => {
      const { blockstore } = recording()
      const library = createLibrary({ datastore: new MemoryDatastore(), logger: defaultLogger() })
      await expect(addFiles({ blockstore, library }, [blobFile('big.bin', bytes, new Blob([bytes.subarray(0, MiB)]))])).rejects.toThrow('longer than its Blob')
      expect(await library.list()).toEqual([])
    })
  })
})
