import { defineConfig, type Plugin } from 'vite'

/**
 * Lists the site's files at the top of sw.js, which caches them at install so a page
 * opens while the static server is down (src/sw/shell.ts).
 */
function shellManifest (): Plugin {
  return {
    name: 'cafe-shell-manifest',
    apply: 'build',
    enforce: 'post',
    generateBundle (_options, bundle) {
      const sw = bundle['sw.js']
      if (sw?.type !== 'chunk') return
      const files = Object.keys(bundle)
        .filter(name => name !== 'sw.js' && !name.endsWith('.map'))
        .map(name => name === 'index.html' ? '/' : `/${name}`)
        .sort()
      sw.code = `self.__CAFE_SHELL_FILES__=${JSON.stringify(files)};\n${sw.code}`
    }
  }
}

/**
 * The page, the SharedWorker (bundled through `new SharedWorker(new URL(...))`) and the
 * Service Worker, which is its own input emitted as /sw.js so its scope is the root.
 */
export default defineConfig({
  // no SPA fallback: an unknown path (or /ipfs/ before the Service Worker runs) is a 404
  appType: 'mpa',
  plugins: [shellManifest()],
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
