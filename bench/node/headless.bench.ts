/**
 * The headless cafe over real HTTP on 127.0.0.1: `GET /api/v0/cafe` requests per second
 * beside a bare node:http server answering the same bytes; a gateway read of a UnixFS
 * file (`GET /ipfs/<cid>`) in MB/s beside the same bytes from a bare node:http server,
 * and beside a UnixFS cat straight from the same fs blockstore (no HTTP). The cafe's
 * handler called without HTTP shows how a request's time splits. Beside the gateway read:
 * @helia/verified-fetch over the same blockstore-fs (a peer implementation, no HTTP), and
 * the decryption endpoint (`?key=`) against the plain gateway read of the same ciphertext.
 */
import { createServer } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createVerifiedFetch } from '@helia/verified-fetch'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight } from 'helia'
import { exporter } from 'ipfs-unixfs-exporter'
import { importer } from 'ipfs-unixfs-importer'
import { encryptBytes, formatFileKey } from '../../src/core/crypto/index.ts'
import { createHeadlessCafe } from '../../src/headless/headless.ts'
import { percentile, ratePerSecond, report } from './measure.ts'
import type { CID } from 'multiformats/cid'
import type { AddressInfo } from 'node:net'

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000)
const SIZE_MIB = Number(process.env.BENCH_SIZE_MIB ?? 32)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
/** the info requests are made in this many alternating slices of the cafe and the bare server */
const SLICES = 10
const CHUNK = 256 * 1024

const median = (values: number[]): number => percentile(values, 50)

const dataDir = await mkdtemp(join(tmpdir(), 'cafe-headless-bench-'))
const cafe = await createHeadlessCafe({
  dataDir,
  http: { port: 0 },
  listen: ['/ip4/127.0.0.1/tcp/0'],
  cafe: { requests: { capacity: 1e9, refillPerSecond: 1e9 } }
})

try {
  // the same answer from a bare server: what node:http + fetch cost without the cafe
  const infoBytes = new Uint8Array(await (await fetch(`${cafe.url}/api/v0/cafe`)).arrayBuffer())
  const bytes = new Uint8Array(SIZE_MIB * 1024 * 1024).map((_, i) => (i * 31) % 251)
  const bare = createServer((req, res) => {
    if (req.url === '/info') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': infoBytes.byteLength })
      res.end(infoBytes)
      return
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.byteLength })
    let offset = 0
    const next = (): void => {
      while (offset < bytes.byteLength) {
        const ok = res.write(bytes.subarray(offset, offset += CHUNK))
        if (!ok) { res.once('drain', next); return }
      }
      res.end()
    }
    next()
  })
  await new Promise<void>(resolve => bare.listen(0, '127.0.0.1', resolve))
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`

  const get = async (url: string): Promise<number> => {
    const response = await fetch(url)
    let length = 0
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) length += chunk.byteLength
    return length
  }

  await ratePerSecond(50, async () => get(`${cafe.url}/api/v0/cafe`)) // warm up
  await ratePerSecond(50, async () => get(`${bareUrl}/info`))
  // the cafe and the bare server take turns in slices, so a change of the machine's load
  // meets both: the ratio is the median of the slices' ratios, the rates are medians too
  const infoRates: number[] = []
  const bareInfoRates: number[] = []
  const infoRatios: number[] = []
  for (let slice = 0; slice < SLICES; slice++) {
    infoRates.push(await ratePerSecond(REQUESTS / SLICES, async () => get(`${cafe.url}/api/v0/cafe`)))
    bareInfoRates.push(await ratePerSecond(REQUESTS / SLICES, async () => get(`${bareUrl}/info`)))
    infoRatios.push(infoRates[slice] / bareInfoRates[slice])
  }
  const infoPerSecond = median(infoRates)
  const bareInfoPerSecond = median(bareInfoRates)
  // the cafe's handler without HTTP: how much of a request is the cafe, how much the server
  const handlerPerSecond = await ratePerSecond(REQUESTS, async () => {
    const response = await cafe.handle(new Request(`${cafe.url}/api/v0/cafe`), { remote: '127.0.0.1' })
    return response.arrayBuffer()
  })

  let cid: CID | undefined
  for await (const entry of importer([{ content: bytes }], cafe.blockstore, { cidVersion: 1, rawLeaves: true })) cid = entry.cid
  if (cid == null) throw new Error('nothing imported')
  const root: CID = cid

  // a peer in the same run: verified-fetch reading the same blockstore, in process
  const helia = await createHeliaLight({ blockstore: cafe.blockstore, datastore: new MemoryDatastore() })
  await helia.start()
  const verifiedFetch = await createVerifiedFetch(helia)
  const reads: Record<'gateway' | 'bare' | 'cat' | 'verifiedFetch', () => Promise<number>> = {
    gateway: async () => get(`${cafe.url}/ipfs/${root}`),
    bare: async () => get(`${bareUrl}/bytes`),
    cat: async () => {
      const entry = await exporter(root, cafe.blockstore)
      if (entry.type !== 'file' && entry.type !== 'raw') throw new Error(`${root} is a ${entry.type}`)
      let length = 0
      for await (const chunk of entry.content()) length += chunk.byteLength
      return length
    },
    verifiedFetch: async () => {
      const response = await verifiedFetch(`ipfs://${root}`, { session: false })
      if (!response.ok) throw new Error(`verified-fetch answered ${response.status} ${await response.text()}`)
      let length = 0
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) length += chunk.byteLength
      return length
    }
  }
  // the reads take turns round by round (the best round of each counts), so a change of
  // load during the run does not land on one of them only
  const best = { gateway: 0, bare: 0, cat: 0, verifiedFetch: 0 }
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(reads) as Array<keyof typeof reads>) {
      const started = performance.now()
      const length = await reads[name]()
      if (length !== bytes.byteLength) throw new Error(`${name} read ${length} bytes, expected ${bytes.byteLength}`)
      best[name] = Math.max(best[name], length / 1e6 / ((performance.now() - started) / 1000))
    }
  }
  const { gateway: gatewayMBps, bare: bareMBps, cat: catMBps, verifiedFetch: verifiedFetchMBps } = best
  await verifiedFetch.stop()
  await helia.stop()

  // the decryption endpoint beside the plain gateway read of the same ciphertext
  const { ciphertext, key } = await encryptBytes(bytes)
  let encrypted: CID | undefined
  for await (const entry of importer([{ content: ciphertext }], cafe.blockstore, { cidVersion: 1, rawLeaves: true })) encrypted = entry.cid
  const keyText = formatFileKey(key)
  let decryptBest = 0
  let cipherBest = 0
  for (let round = 0; round < ROUNDS; round++) {
    let started = performance.now()
    if (await get(`${cafe.url}/ipfs/${encrypted}?key=${keyText}`) !== bytes.byteLength) throw new Error('the endpoint returned a wrong length')
    decryptBest = Math.max(decryptBest, bytes.byteLength / 1e6 / ((performance.now() - started) / 1000))
    started = performance.now()
    if (await get(`${cafe.url}/ipfs/${encrypted}`) !== ciphertext.byteLength) throw new Error('the gateway returned a wrong length')
    cipherBest = Math.max(cipherBest, ciphertext.byteLength / 1e6 / ((performance.now() - started) / 1000))
  }
  bare.close()
  bare.closeAllConnections()

  report({
    headless: {
      requests: REQUESTS,
      cafeInfoPerSecond: infoPerSecond,
      handlerOnlyPerSecond: handlerPerSecond,
      bareHttpPerSecond: bareInfoPerSecond,
      cafeInfoToBare: median(infoRatios),
      sizeMiB: SIZE_MIB,
      gatewayReadMBps: gatewayMBps,
      bareHttpReadMBps: bareMBps,
      fsCatMBps: catMBps,
      gatewayToBareHttp: gatewayMBps / bareMBps,
      gatewayToFsCat: gatewayMBps / catMBps,
      verifiedFetchMBps,
      gatewayToVerifiedFetch: gatewayMBps / verifiedFetchMBps,
      decryptMBps: decryptBest,
      ciphertextGatewayMBps: cipherBest,
      decryptToGateway: decryptBest / cipherBest
    }
  })
} finally {
  await cafe.stop()
  await rm(dataDir, { recursive: true, force: true })
}
