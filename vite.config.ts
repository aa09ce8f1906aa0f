import { defineConfig } from 'vite'

/**
 * The page, the SharedWorker (bundled through `new SharedWorker(new URL(...))`) and the
 * Service Worker, which is its own input emitted as /sw.js so its scope is the root.
 */
export default defineConfig({
  // no SPA fallback: an unknown path (or /ipfs/ before the Service Worker runs) is a 404
  appType: 'mpa',
  build: {
    target: 'es2022',
    rollupOptions: {
      input: {
        main: 'index.html',
        client: 'client.html',
        sw: 'src/sw/sw.ts'
      },
      output: {
        entryFileNames: chunk => chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'
      }
    }
  },
  worker: {
    format: 'es'
  },
  optimizeDeps: {
    entries: ['index.html', 'client.html', 'src/worker/cafe.worker.ts', 'src/sw/sw.ts']
  },
  server: {
    headers: { 'Service-Worker-Allowed': '/' }
  }
})
