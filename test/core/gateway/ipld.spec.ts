import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core'
import * as json from 'multiformats/codecs/json'
import { beforeAll, describe, expect, it } from 'vitest'
import { addFile, bodyBytes, get, gatewayOver, putBlock, putCbor } from './fixtures.ts'
import type { Gateway } from '../../../src/core/gateway/index.ts'
import type { CID } from 'multiformats/cid'

describe('gateway: IPLD data (IPIP-0524: each codec as itself, no conversions)', () => {
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

  it('dag-cbor is served as its own bytes and type by default, as an attachment', async () => {
    const res = await get(gateway, `/ipfs/${doc.cid}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('application/vnd.ipld.dag-cbor')
    expect(res.headers.get('ETag')).toBe(`"${doc.cid}.dag-cbor"`)
    expect(res.headers.get('Content-Disposition')).toContain(`attachment; filename="${doc.cid}.cbor"`)
    expect(await bodyBytes(res)).toEqual(doc.bytes)
  })

  it('format=dag-cbor returns the same bytes, ETag and type', async () => {
    const res = await get(gateway, `/ipfs/${doc.cid}?format=dag-cbor`)
    expect(res.headers.get('Content-Type')).toBe('application/vnd.ipld.dag-cbor')
    expect(res.headers.get('ETag')).toBe(`"${doc.cid}.dag-cbor"`)
    expect(res.headers.get('Content-Location')).toBeNull()
    expect(await bodyBytes(res)).toEqual(doc.bytes)
  })

  it('Accept: application/vnd.ipld.dag-cbor says where the format lives with Content-Location', async () => {
    const res = await get(gateway, `/ipfs/${doc.cid}`, { headers: { Accept: 'application/vnd.ipld.dag-cbor' } })
    expect(res.headers.get('Content-Location')).toBe(`/ipfs/${doc.cid}?format=dag-cbor`)
    await res.body?.cancel()
  })

  it('cross-codec conversions are 406: dag-json or json of dag-cbor, dag-cbor of dag-pb, cbor of dag-cbor', async () => {
    expect((await get(gateway, `/ipfs/${doc.cid}?format=dag-json`)).status).toBe(406)
    expect((await get(gateway, `/ipfs/${doc.cid}?format=json`)).status).toBe(406)
    expect((await get(gateway, `/ipfs/${doc.cid}?format=cbor`)).status).toBe(406)
    expect((await get(gateway, `/ipfs/${doc.cid}`, { headers: { Accept: 'application/vnd.ipld.dag-json' } })).status).toBe(406)
    const dir = await putBlock(blockstore, dagPb, dagPb.prepare({ Data: new Uint8Array([8, 1]), Links: [] }))
    expect((await get(gateway, `/ipfs/${dir.cid}?format=dag-cbor`)).status).toBe(406)
    const dj = await putBlock(blockstore, dagJson, { hello: 'world' })
    expect((await get(gateway, `/ipfs/${dj.cid}?format=json`)).status).toBe(406)
    expect((await get(gateway, `/ipfs/${dj.cid}?format=dag-cbor`)).status).toBe(406)
  })

  it('an Accept list falls through to a representation the block has', async () => {
    const res = await get(gateway, `/ipfs/${doc.cid}`, { headers: { Accept: 'application/vnd.ipld.dag-json, */*;q=0.1' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('application/vnd.ipld.dag-cbor')
    await res.body?.cancel()
  })

  it('Accept: text/html gets a page of the data with clickable links and download links', async () => {
    const res = await get(gateway, `/ipfs/${doc.cid}/`, { headers: { Accept: 'text/html' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('ETag')).toMatch(/^"DagIndex-[0-9a-f]+_CID-/)
    expect(res.headers.get('Content-Disposition')).toBeNull()
    const html = await res.text()
    expect(html).toContain('</html>')
    expect(html).toContain(`<a href="/ipfs/${fileCid}/">${fileCid}</a>`)
    expect(html).toContain('?format=dag-cbor')
  })

  it('a path through dag-cbor follows its links to a UnixFS file', async () => {
    const res = await get(gateway, `/ipfs/${doc.cid}/link`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('linked file')
  })

  it('a path ending on a field that is not a link is 501; a field that is not there is 404', async () => {
    expect((await get(gateway, `/ipfs/${doc.cid}/nested`)).status).toBe(501)
    expect((await get(gateway, `/ipfs/${doc.cid}/name`)).status).toBe(501)
    expect((await get(gateway, `/ipfs/${doc.cid}/nested/deep`)).status).toBe(501)
    expect((await get(gateway, `/ipfs/${doc.cid}/nested/missing`)).status).toBe(404)
    expect((await get(gateway, `/ipfs/${doc.cid}/missing`)).status).toBe(404)
  })

  it('dag-json is served with its own bytes as application/vnd.ipld.dag-json, inline', async () => {
    const block = await putBlock(blockstore, dagJson, { hello: 'world' })
    const res = await get(gateway, `/ipfs/${block.cid}`)
    expect(res.headers.get('Content-Type')).toBe('application/vnd.ipld.dag-json')
    expect(res.headers.get('Content-Disposition')).toContain(`inline; filename="${block.cid}.json"`)
    expect(await bodyBytes(res)).toEqual(block.bytes)
  })

  it('a json-codec block is application/json, and ranges apply to it', async () => {
    const block = await putBlock(blockstore, json, { hello: 'world' })
    const res = await get(gateway, `/ipfs/${block.cid}?format=json`)
    expect(res.headers.get('Content-Type')).toBe('application/json')
    expect(await bodyBytes(res)).toEqual(block.bytes)
    const part = await get(gateway, `/ipfs/${block.cid}`, { headers: { Range: 'bytes=1-5' } })
    expect(part.status).toBe(206)
    expect(await bodyBytes(part)).toEqual(block.bytes.subarray(1, 6))
  })

  it('a UnixFS file holding JSON is served as application/json with ?format=json; another file is 406', async () => {
    const jsonFile = await addFile(blockstore, '{"a": [1, 2]}')
    const res = await get(gateway, `/ipfs/${jsonFile}?format=json`, { headers: { Accept: 'application/vnd.ipld.raw' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('application/json')
    expect(await res.text()).toBe('{"a": [1, 2]}')
    expect((await get(gateway, `/ipfs/${fileCid}?format=json`)).status).toBe(406)
  })

  it('dag-pb that is not UnixFS has no deserialized form: 501, but its block is there as raw', async () => {
    const block = await putBlock(blockstore, dagPb, dagPb.prepare({ Links: [{ Hash: fileCid, Name: 'f', Tsize: 11 }] }))
    expect((await get(gateway, `/ipfs/${block.cid}`)).status).toBe(501)
    const raw = await get(gateway, `/ipfs/${block.cid}?format=raw`)
    expect(await bodyBytes(raw)).toEqual(block.bytes)
  })

  it('a raw block asked for as dag-json is 406', async () => {
    const res = await get(gateway, `/ipfs/${fileCid}?format=dag-json`)
    expect(res.status).toBe(406)
  })

  it('decodes what it serves: the dag-cbor bytes are the document', async () => {
    const res = await get(gateway, `/ipfs/${doc.cid}`)
    expect(dagCbor.decode(await bodyBytes(res))).toMatchObject({ name: 'cafe', n: 3 })
  })
})
