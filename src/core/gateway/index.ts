/**
 * IPFS path gateway core (path + trustless gateway specs), runtime-agnostic.
 * See docs/GATEWAY.md for routes, headers and statuses.
 */
export { createGateway, DEFAULT_NETWORK_TIMEOUT_MS } from './gateway.ts'
export type { Gateway, GatewayComponents, GatewayInit } from './gateway.ts'
export { createBlockSource, readBlock, MAX_NETWORK_BLOCK_BYTES } from './block-source.ts'
export type { BlockSourceComponents, BlockSourceInit } from './block-source.ts'
export { resolvePath } from './resolve-path.ts'
export type { ResolvedPath } from './resolve-path.ts'
export { readFileRange, isFileEntry } from './read-file-range.ts'
export type { FileEntry, ReadFileOptions } from './read-file-range.ts'
export { fileCiphertextSource, WINDOW_BYTES } from './ciphertext-source.ts'
export type { CiphertextSourceInit } from './ciphertext-source.ts'
export { parseRange, parseRanges, contentRange } from './range.ts'
export type { ByteRange } from './range.ts'
export { parseGatewayUrl, MAX_PATH_SEGMENTS } from './parse-url.ts'
export { parseCid } from '../util/cid.ts'
export type { GatewayPath } from './parse-url.ts'
export { parseFormatRequest, parseDagScope, parseEntityBytes, resolveEntityBytes } from './negotiate.ts'
export type { Candidate, CarParams, DagScope, EntityBytes, FormatRequest, ResponseFormat } from './negotiate.ts'
export { sniffContentType, contentTypeFromName } from './content-type.ts'
export { BlockUnavailableError, InvalidBlockError, NotAcceptableError, NotImplementedError } from './errors.ts'
