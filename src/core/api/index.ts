/**
 * The cafe API: the route table, the HTTP and libp2p doors, and the owner's
 * operations for the console.
 */
export * from './api.ts'
export * from './route.ts'
export * from './protocol.ts'
export * from './http.ts'
export * from './libp2p.ts'
export * from './owner.ts'
export * from './routes/index.ts'
export { HttpRouteTable } from './http-routes.ts'
