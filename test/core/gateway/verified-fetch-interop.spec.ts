/**
 * A real trustless client against the headless cafe: @helia/verified-fetch with the
 * cafe as its only gateway reads files, directories' files, ranges and dag-cbor, and
 * verifies every block it gets.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { withHTTP } from '@helia/http'
import { createVerifiedFetchWithHelia } from '@helia/verified-fetch'
import { createHeliaLight } from 'helia'
import * as dagCbor from '@ipld/dag-cbor'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHeadlessCafe, type HeadlessCafe } from '../../../src/headless/headless.ts'
import { patternBytes } from './fixtures.ts'
import type { Router } from '@helia/interface'
import type { VerifiedFetch } from '@helia/verified-fetch'

describe('interop: @helia/verified-fetch reads through the headless cafe', () => {
  let dataDir: string
  let cafe: HeadlessCafe
  let client: VerifiedFetch
  let root: CID
  let doc: CID
  const big = patternBytes(700 * 1024, 12)

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cafe-vf-'))
    cafe = await createHeadlessCafe({ dataDir, http: { port: 0 }, listen: ['/ip4/127.0.0.1/tcp/0'], networkTimeoutMs: 500 })
    for await (const entry of importer([
      { path: 'album/big.bin', content: big },
      { path: 'album/note.txt', content: new TextEncoder().encode('a note\n') }
    ], cafe.blockstore, { wrapWithDirectory: true, chunker: fixedSize({ chunkSize: 64 * 1024 }) })) root = entry.cid
    const bytes = dagCbor.encode({ hello: 'cafe', link: root })
    doc = CID.createV1(dagCbor.code, await sha256.digest(bytes))
    await cafe.blockstore.put(doc, bytes)
    // a Helia with no libp2p: the cafe is its one gateway (a fallback router). Helia's
    // routing waits for its default routers to finish before asking fallback ones, and
    // with none it would wait forever: one that finds nothing lets it move on.
    const nothing: Router = { name: 'nothing', async * findProviders () {} }
    const helia = withHTTP(createHeliaLight({ routers: [nothing] }), { recursiveGateways: [cafe.url], delegatedRouters: [], allowLocal: true, allowInsecure: true })
    await helia.start()
    client = await createVerifiedFetchWithHelia(helia)
  }, 60_000)

  afterAll(async () => {
    await client?.stop()
    await cafe?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('a multi-block file in a directory arrives byte-equal', async () => {
    const res = await client(`ipfs://${root}/album/big.bin`, { signal: AbortSignal.timeout(20_000) })
    expect(res.status).toBe(200)
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(big)
  })

  it('a small text file and a range of the big one', async () => {
    const note = await client(`ipfs://${root}/album/note.txt`, { signal: AbortSignal.timeout(20_000) })
    expect(await note.text()).toBe('a note\n')
    const part = await client(`ipfs://${root}/album/big.bin`, { headers: { Range: 'bytes=100000-100099' }, signal: AbortSignal.timeout(20_000) })
    expect(part.status).toBe(206)
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(big.subarray(100000, 100100))
  })

  it('dag-cbor as the client decodes it', async () => {
    const res = await client(`ipfs://${doc}`, { signal: AbortSignal.timeout(20_000) })
    expect(res.status).toBe(200)
    const value = dagCbor.decode(new Uint8Array(await res.arrayBuffer())) as { hello: string }
    expect(value.hello).toBe('cafe')
  })
})
