import { MemoryBlockstore } from 'blockstore-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { addDirectory, get, gatewayOver } from './fixtures.ts'
import type { Gateway } from '../../../src/core/gateway/index.ts'
import type { CID } from 'multiformats/cid'

const EVIL = '<img src=x onerror=alert(1)>&"\'.txt'

describe('gateway: UnixFS directories', () => {
  let gateway: Gateway
  let listed: CID
  let site: CID

  beforeAll(async () => {
    const blockstore = new MemoryBlockstore()
    gateway = gatewayOver(blockstore)
    listed = await addDirectory(blockstore, [
      { path: 'a.txt', content: 'aaa' },
      { path: 'with space.bin', content: new Uint8Array(1500) },
      { path: EVIL, content: 'x' },
      { path: 'sub/inner.txt', content: 'inner' },
      { path: 'sub/deeper/big.bin', content: new Uint8Array(300_000) }
    ])
    site = await addDirectory(blockstore, [
      { path: 'index.html', content: '<!doctype html><title>home</title>' },
      { path: 'app.js', content: 'console.log(1)' }
    ])
  })

  it('a directory URL without trailing slash is a 301 to the slash form, query kept', async () => {
    const res = await get(gateway, `/ipfs/${listed}/sub?x=1`)
    expect(res.status).toBe(301)
    expect(res.headers.get('Location')).toBe(`/ipfs/${listed}/sub/?x=1`)
    const root = await get(gateway, `/ipfs/${listed}`)
    expect(root.status).toBe(301)
    expect(root.headers.get('Location')).toBe(`/ipfs/${listed}/`)
  })

  it('a directory with index.html serves it as text/html', async () => {
    const res = await get(gateway, `/ipfs/${site}/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('text/html; charset=utf-8')
    expect(await res.text()).toBe('<!doctype html><title>home</title>')
    expect(res.headers.get('ETag')).not.toContain('DirIndex')
  })

  it('a subfolder in a listing shows the bytes it holds, not the size of its node', async () => {
    const html = await (await get(gateway, `/ipfs/${listed}/`)).text()
    // inner.txt (5 B) and deeper/big.bin (300000 B, stored in several leaves)
    expect(html).toMatch(/>sub<\/a><\/td><td class="size" title="300005 bytes">293\.0 KiB</)
  })

  it('a directory without index.html gets an HTML listing of names, sizes and links', async () => {
    const res = await get(gateway, `/ipfs/${listed}/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('text/html; charset=utf-8')
    const html = await res.text()
    expect(html).toContain(`href="/ipfs/${listed}/a.txt"`)
    expect(html).toContain('>a.txt</a>')
    expect(html).toContain(`href="/ipfs/${listed}/with%20space.bin"`)
    expect(html).toContain(`href="/ipfs/${listed}/sub"`)
    expect(html).toContain(`Index of /ipfs/<a href="/ipfs/${listed}">${listed}</a>`)
    expect(html).toMatch(/with space\.bin<\/a><\/td><td class="size" title="\d+ bytes">1\.\d KiB/)
    expect(html).toMatch(/href="\/ipfs\/baf[a-z0-9]+"/)
    expect(Number(res.headers.get('Content-Length'))).toBe(new TextEncoder().encode(html).byteLength)
  })

  it('the listing escapes hostile file names', async () => {
    const html = await (await get(gateway, `/ipfs/${listed}/`)).text()
    expect(html).not.toContain('<img')
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;&#38;&#34;&#39;.txt</a>')
    expect(html).toContain(`href="/ipfs/${listed}/${encodeURIComponent(EVIL).replace(/'/g, '&#39;')}"`)
  })

  it('a listing has its own DirIndex ETag, and If-None-Match on it is 304', async () => {
    const res = await get(gateway, `/ipfs/${listed}/`, { method: 'HEAD' })
    const etag = res.headers.get('ETag') as string
    expect(etag).toMatch(new RegExp(`^"DirIndex-[0-9a-f]{8}_CID-${listed}"$`))
    const again = await get(gateway, `/ipfs/${listed}/`, { headers: { 'If-None-Match': etag } })
    expect(again.status).toBe(304)
  })

  it('a sub-directory listing links back to its parent; the root listing has no backlink', async () => {
    const html = await (await get(gateway, `/ipfs/${listed}/sub/`)).text()
    expect(html).toContain(`<a href="/ipfs/${listed}/sub/..">..</a>`)
    expect(html).toContain(`href="/ipfs/${listed}/sub/inner.txt"`)
    expect(await (await get(gateway, `/ipfs/${listed}/`)).text()).not.toContain('>..</a>')
  })
})

describe('gateway: HAMT-sharded directories', () => {
  it('a sharded directory is listed and its files resolve by name', async () => {
    const { importer } = await import('ipfs-unixfs-importer')
    const blockstore = new MemoryBlockstore()
    const gateway = gatewayOver(blockstore)
    const files = Array.from({ length: 40 }, (_, i) => ({ path: `file-${i}.txt`, content: new TextEncoder().encode(`content ${i}`) }))
    let root: CID | undefined
    for await (const entry of importer(files, blockstore, { wrapWithDirectory: true, shardSplitThresholdBytes: 100 })) root = entry.cid

    const { exporter } = await import('ipfs-unixfs-exporter')
    const dir = await exporter(root as CID, blockstore)
    expect(dir.type === 'directory' && dir.unixfs.type).toBe('hamt-sharded-directory')

    const listing = await (await get(gateway, `/ipfs/${root}/`)).text()
    for (let i = 0; i < 40; i++) expect(listing).toContain(`href="/ipfs/${root}/file-${i}.txt"`)
    const file = await get(gateway, `/ipfs/${root}/file-17.txt`)
    expect(await file.text()).toBe('content 17')
  })
})
