/** The cafe a page on this origin runs: one per origin unless a page names another. */
export const DEFAULT_CAFE_NAME = 'default'

/** How long the Service Worker waits for the network to produce a missing block. */
export const NETWORK_TIMEOUT_MS = 10_000
