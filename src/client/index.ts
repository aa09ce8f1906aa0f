/**
 * The client library apps import to use cafes.
 */
export * from './cafe-client.ts'
export * from './cafe-set.ts'
export * from './session-store.ts'
export * from './web-storage-session-store.ts'
export * from './encrypt-file.ts'
export * from './backup.ts'
export * from './car.ts'
export * from './inbox.ts'
export * from './inbox-address.ts'
export * from './directory.ts'
export * from './transport.ts'
export * from './http-transport.ts'
export * from './libp2p-transport.ts'
export { CAFE_PROTOCOL } from '../core/api/protocol.ts'
export type { CafeInfo } from '../core/info/service.ts'
export type { AccountInfo, SessionResult } from '../core/accounts/index.ts'
