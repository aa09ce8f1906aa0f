/**
 * In-browser benchmarks, driven by scripts/bench.mjs through `window.cafeBench`.
 * Each run measures a feature beside its baseline in the same page and the same run.
 */
import { createVerifiedFetch } from '@helia/verified-fetch'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight } from 'helia'
import { exporter } from 'ipfs-unixfs-exporter'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import { bytesSource, encryptBytes, formatFileKey, openEncryptedFile, toFileKey } from '../../src/core/crypto/index.ts'
import { databaseNames } from '../../src/browser/database-names.ts'
import { IdbBlockstore } from '../../src/browser/idb-blockstore.ts'
import { connectToCafe } from '../../src/ui/cafe-connection.ts'
import { DEFAULT_CAFE_NAME } from '../../src/worker/config.ts'

const MiB = 1024 * 1024

function randomBlob (bytes: number): Blob {
  const parts: Uint8Array[] = []
  for (let done = 0; done < bytes; done += 65536) {
    parts.push(crypto.getRandomValues(new Uint8Array(Math.min(65536, bytes - done))))
  }
  return new Blob(parts as BlobPart[])
}

async function drain (stream: ReadableStream<Uint8Array>): Promise<number> {
  let total = 0
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return total
    total += value.byteLength
  }
}

async function timed<T> (work: () => Promise<T>): Promise<{ ms: number, value: T }> {
  const started = performance.now()
  const value = await work()
  return { ms: performance.now() - started, value }
}

const mbps = (bytes: number, ms: number): number => (bytes / 1e6) / (ms / 1000)

/** The blocks `cafe.addFiles` makes of these bytes (@helia/unixfs's defaults), hashed here, not stored. */
async function blocksOf (content: Uint8Array): Promise<{ root: CID, blocks: Array<{ cid: CID, bytes: Uint8Array }> }> {
  const blocks: Array<{ cid: CID, bytes: Uint8Array }> = []
  const capture = { put: async (cid: CID, bytes: Uint8Array) => { blocks.push({ cid, bytes }); return cid } }
  let root: CID | undefined
  for await (const entry of importer([{ content }], capture, { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: 1_048_576 }), layout: balanced({ maxChildrenPerNode: 1024 }) })) root = entry.cid
  return { root: root as CID, blocks }
}

async function gatewayBench (sizeMiB: number, rounds: number) {
  const { cafe, gatewayReady } = connectToCafe()
  await gatewayReady
  const bytes = sizeMiB * MiB
  const blockstore = new IdbBlockstore(databaseNames(DEFAULT_CAFE_NAME).blocks)
  await blockstore.open()
  // the add and the raw write of the same kind of file take turns, each with fresh content
  // (new blocks, as an add of a new file writes); files and blocks are made before the clock starts
  const addRuns: number[] = []
  const rawWriteRuns: number[] = []
  let cid = ''
  for (let round = 0; round < rounds; round++) {
    const source = randomBlob(bytes)
    const add = await timed(() => cafe.addFiles([{ path: 'bench.bin', file: source }]))
    addRuns.push(add.ms)
    if (round === 0) cid = add.value[0].cid
    // the same blocks the add would make, written straight to the same store
    const { root, blocks } = await blocksOf(new Uint8Array(await randomBlob(bytes).arrayBuffer()))
    const rawWrite = await timed(async () => Promise.all(blocks.map(async block => blockstore.put(block.cid, block.bytes))))
    if (!await blockstore.has(root)) throw new Error(`the raw write did not store ${root}`)
    rawWriteRuns.push(rawWrite.ms)
  }

  const rawRuns: number[] = []
  const gatewayRuns: number[] = []
  // alternate the two reads so drift on a noisy machine hits both alike
  for (let round = 0; round < rounds; round++) {
    const raw = await timed(async () => {
      let total = 0
      const entry = await exporter(CID.parse(cid), blockstore)
      if (entry.type !== 'file') throw new Error(`${cid} is not a file`)
      for await (const chunk of entry.content()) total += (chunk as Uint8Array).byteLength
      return total
    })
    if (raw.value !== bytes) throw new Error(`raw read returned ${raw.value} bytes`)
    rawRuns.push(raw.ms)
    const gateway = await timed(async () => drain((await fetch(`/ipfs/${cid}`)).body!))
    if (gateway.value !== bytes) throw new Error(`gateway read returned ${gateway.value} bytes`)
    gatewayRuns.push(gateway.ms)
  }

  // a peer in the same run: @helia/verified-fetch in this page over the same IndexedDB store
  const helia = await createHeliaLight({ blockstore, datastore: new MemoryDatastore() })
  await helia.start()
  const verifiedFetch = await createVerifiedFetch(helia)
  const verifiedRuns: number[] = []
  for (let round = 0; round < rounds; round++) {
    const run = await timed(async () => {
      const response = await verifiedFetch(`ipfs://${cid}`, { session: false })
      if (!response.ok) throw new Error(`verified-fetch answered ${response.status} ${await response.text()}`)
      return drain(response.body!)
    })
    if (run.value !== bytes) throw new Error(`verified-fetch returned ${run.value} bytes`)
    verifiedRuns.push(run.ms)
  }
  await verifiedFetch.stop()
  await helia.stop()

  // the add's file comes back as it was added
  const { root } = await blocksOf(new Uint8Array(await (await fetch(`/ipfs/${cid}`)).arrayBuffer()))
  if (root.toString() !== cid) throw new Error(`re-imported as ${root}, added as ${cid}`)
  await blockstore.close()
  const best = (runs: number[]): number => Math.min(...runs)
  const addMBps = mbps(bytes, best(addRuns))
  const rawWriteMBps = mbps(bytes, best(rawWriteRuns))
  return {
    sizeMiB,
    rounds,
    addMBps,
    rawWriteMBps,
    addToRawWrite: addMBps / rawWriteMBps,
    rawReadMBps: mbps(bytes, best(rawRuns)),
    gatewayReadMBps: mbps(bytes, best(gatewayRuns)),
    verifiedFetchMBps: mbps(bytes, best(verifiedRuns)),
    gatewayToRaw: best(rawRuns) / best(gatewayRuns),
    gatewayToVerifiedFetch: best(verifiedRuns) / best(gatewayRuns)
  }
}

/**
 * The decryption endpoint (`/ipfs/<cid>?key=`, in the Service Worker) beside the plain
 * gateway read of the same ciphertext CID and the AEAD alone (the same crypto core over
 * the ciphertext in memory, in this page). Rates count the bytes each read delivers.
 */
async function decryptBench (sizeMiB: number, rounds: number) {
  const { cafe, gatewayReady } = connectToCafe()
  await gatewayReady
  const plaintext = new Uint8Array(await randomBlob(sizeMiB * MiB).arrayBuffer())
  const encrypt = await timed(() => encryptBytes(plaintext))
  const { ciphertext, key } = encrypt.value
  const add = await timed(() => cafe.addFiles([{ path: 'bench.enc', file: new Blob([ciphertext as BlobPart]) }]))
  const cid = add.value[0].cid
  const keyText = formatFileKey(key)

  const endpointRuns: number[] = []
  const gatewayRuns: number[] = []
  const aeadRuns: number[] = []
  for (let round = 0; round < rounds; round++) {
    const endpoint = await timed(async () => drain((await fetch(`/ipfs/${cid}?key=${keyText}`)).body!))
    if (endpoint.value !== plaintext.length) throw new Error(`the endpoint returned ${endpoint.value} bytes`)
    endpointRuns.push(endpoint.ms)
    const gateway = await timed(async () => drain((await fetch(`/ipfs/${cid}`)).body!))
    if (gateway.value !== ciphertext.length) throw new Error(`the gateway returned ${gateway.value} bytes`)
    gatewayRuns.push(gateway.ms)
    const aead = await timed(async () => {
      let total = 0
      const file = await openEncryptedFile(bytesSource(ciphertext), toFileKey(key))
      for await (const chunk of file.read()) total += chunk.byteLength
      return total
    })
    if (aead.value !== plaintext.length) throw new Error(`the AEAD returned ${aead.value} bytes`)
    aeadRuns.push(aead.ms)
  }
  const best = (runs: number[]): number => Math.min(...runs)
  const endpointMBps = mbps(plaintext.length, best(endpointRuns))
  const gatewayReadMBps = mbps(ciphertext.length, best(gatewayRuns))
  const rawAeadMBps = mbps(plaintext.length, best(aeadRuns))
  return {
    sizeMiB,
    rounds,
    encryptMBps: mbps(plaintext.length, encrypt.ms),
    addMBps: mbps(ciphertext.length, add.ms),
    endpointMBps,
    gatewayReadMBps,
    rawAeadMBps,
    endpointToRawAead: endpointMBps / rawAeadMBps,
    endpointToGateway: endpointMBps / gatewayReadMBps
  }
}

/**
 * A large file for the memory group, made in 64 MiB random parts that the Blob keeps (Chromium
 * pages big Blobs out to disk), so the page holds no copy of its own.
 */
let largeFile: Blob | undefined
async function prepareLargeFile (sizeMiB: number): Promise<void> {
  let blob = new Blob([])
  for (let done = 0; done < sizeMiB; done += 64) blob = new Blob([blob, randomBlob(Math.min(64, sizeMiB - done) * MiB)])
  largeFile = blob
}

/** The large file added through the SharedWorker (streamed from the Blob), then read whole through the Service Worker. */
const largeFileRuns = {
  /** the cafe's SharedWorker and Service Worker running, before the first heap sample */
  async ready (): Promise<void> {
    await connectToCafe().gatewayReady
  },
  async add (): Promise<{ cid: string, addMBps: number }> {
    if (largeFile == null) throw new Error('prepareLargeFile first')
    const { cafe, gatewayReady } = connectToCafe()
    await gatewayReady
    const add = await timed(() => cafe.addFiles([{ path: 'large.bin', file: largeFile as Blob }]))
    return { cid: add.value[0].cid, addMBps: mbps(largeFile.size, add.ms) }
  },
  async read (cid: string): Promise<{ readMBps: number }> {
    const read = await timed(async () => drain((await fetch(`/ipfs/${cid}`)).body!))
    if (read.value !== largeFile?.size) throw new Error(`the gateway returned ${read.value} bytes`)
    return { readMBps: mbps(read.value, read.ms) }
  }
}

/** An encrypted file added through the cafe, for reading it by hand (profiling: scripts/profile-sw.mjs). */
async function prepareEncrypted (sizeMiB: number): Promise<{ cid: string, keyText: string, plainCid: string }> {
  const { cafe, gatewayReady } = connectToCafe()
  await gatewayReady
  const { ciphertext, key } = await encryptBytes(new Uint8Array(await randomBlob(sizeMiB * MiB).arrayBuffer()))
  const [added] = await cafe.addFiles([{ path: 'profile.enc', file: new Blob([ciphertext as BlobPart]) }])
  const [plain] = await cafe.addFiles([{ path: 'profile.bin', file: randomBlob(sizeMiB * MiB) }])
  return { cid: added.cid, keyText: formatFileKey(key), plainCid: plain.cid }
}

const cafeBench = { gateway: gatewayBench, decrypt: decryptBench, prepareEncrypted, prepareLargeFile, largeFile: largeFileRuns }
Object.assign(globalThis, { cafeBench })
export type CafeBench = typeof cafeBench
