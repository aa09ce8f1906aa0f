/**
 * The cafe API: the registry's entry types, the rules every call goes through, the
 * HTTP and libp2p doors, and the owner's operations for the console.
 */
export * from './api.ts'
export * from './route.ts'
export * from './protocol.ts'
export * from './http.ts'
export * from './libp2p.ts'
export * from './owner.ts'
export * from './buckets.ts'
export { HttpRouteTable } from './http-routes.ts'
