/** Defaults the command line shows without loading the cafe (src/headless/headless.ts re-exports them). */

/** TCP for Node peers, WebSockets for browsers (behind a TLS proxy for https pages). */
export const DEFAULT_HEADLESS_LISTEN = ['/ip4/127.0.0.1/tcp/4001', '/ip4/127.0.0.1/tcp/4002/ws']
