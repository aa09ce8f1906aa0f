import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { addFile, bodyBytes, get, gatewayOver, putBlock, putCbor } from './fixtures.ts'
import type { Gateway } from '../../../src/core/gateway/index.ts'
import type { CID } from 'multiformats/cid'

describe('gateway: IPLD data', () => {
  let blockstore: MemoryBlockstore
  let gateway: Gateway
  let fileCid: CID
  let doc: { cid: CID, bytes: Uint8Array }

  beforeAll(async () => {
    blockstore = new MemoryBlockstore()
    gateway = gatewayOver(blockstore)
    fileCid = await addFile(blockstore, 'linked file')
    doc = await putCbor(blockstore, { name: 'cafe', n: 3, bytes: new Uint8Array([1, 2]), link: fileCid, nested: { deep: 'x' } })
  })

  it('dag-cbor is rendered as JSON by default, links as {"/": cid}', async () => {
    const res = await get(gateway, `/ipfs/${doc.cid}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('application/json')
    expect(res.headers.get('ETag')).toBe(`"${doc.cid}.json"`)
    const body = JSON.parse(await res.text())
    expect(body.name).toBe('cafe')
    expect(body.link).toEqual({ '/': fileCid.toString() })
    expect(body.bytes).toEqual({ '/': { bytes: 'AQI' } })
  })

  it('format=dag-cbor returns the block bytes unchanged', async () => {
    const res = await get(gateway, `/ipfs/${doc.cid}?format=dag-cbor`)
    expect(res.headers.get('Content-Type')).toBe('application/vnd.ipld.dag-cbor')
    expect(res.headers.get('ETag')).toBe(`"${doc.cid}.dag-cbor"`)
    expect(await bodyBytes(res)).toEqual(doc.bytes)
  })

  it('Accept: application/vnd.ipld.dag-json converts dag-cbor to dag-json', async () => {
    const res = await get(gateway, `/ipfs/${doc.cid}`, { headers: { Accept: 'application/vnd.ipld.dag-json' } })
    expect(res.headers.get('Content-Type')).toBe('application/vnd.ipld.dag-json')
    // dag-json.encode returns a Buffer under Node: compare as plain bytes
    expect(await bodyBytes(res)).toEqual(new Uint8Array(dagJson.encode(dagCbor.decode(doc.bytes))))
  })

  it('a path through dag-cbor follows its links to a UnixFS file', async () => {
    const res = await get(gateway, `/ipfs/${doc.cid}/link`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('linked file')
  })

  it('dag-json is served as JSON with its own bytes', async () => {
    const block = await putBlock(blockstore, dagJson, { hello: 'world' })
    const res = await get(gateway, `/ipfs/${block.cid}`)
    expect(res.headers.get('Content-Type')).toBe('application/json')
    expect(await bodyBytes(res)).toEqual(block.bytes)
  })

  it('dag-pb that is not UnixFS is shown as JSON', async () => {
    const block = await putBlock(blockstore, dagPb, dagPb.prepare({ Links: [{ Hash: fileCid, Name: 'f', Tsize: 11 }] }))
    const res = await get(gateway, `/ipfs/${block.cid}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('application/json')
    expect(JSON.parse(await res.text()).Links[0]).toEqual({ Hash: { '/': fileCid.toString() }, Name: 'f', Tsize: 11 })
  })

  it('a raw block asked for as dag-json is 406', async () => {
    const res = await get(gateway, `/ipfs/${fileCid}?format=dag-json`)
    expect(res.status).toBe(406)
  })
})
