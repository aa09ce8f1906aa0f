import { readFileSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'

/**
 * The Chromium extension, built into dist-extension/ (load it unpacked). Its pages sit at
 * the extension's root: popup.html, offscreen.html, index.html (the console) and
 * background.js (the service worker), with manifest.json beside them. It mirrors the
 * main config's target and worker format; the site's inputs (client page, /sw.js) stay out.
 */
const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..')

/** The console (src/ui/main.ts) joins the offscreen document's cafe instead of a SharedWorker. */
function extensionConnection (): Plugin {
  const original = resolve(root, 'src/ui/cafe-connection.ts')
  const replacement = resolve(here, 'cafe-connection.ts')
  return {
    name: 'cafe-extension-connection',
    enforce: 'pre',
    resolveId (source, importer) {
      if (importer == null || !source.endsWith('cafe-connection.ts')) return null
      return resolve(dirname(importer), source) === original ? replacement : null
    }
  }
}

/** Moves extension/*.html to the root of the build and adds the manifest. */
function extensionLayout (): Plugin {
  return {
    name: 'cafe-extension-layout',
    // after Vite's HTML plugin has emitted the pages
    enforce: 'post',
    generateBundle (_options, bundle) {
      for (const [fileName, output] of Object.entries(bundle)) {
        if (!fileName.startsWith('extension/') || output.type !== 'asset') continue
        delete bundle[fileName]
        this.emitFile({ type: 'asset', fileName: basename(fileName), source: output.source })
      }
      this.emitFile({ type: 'asset', fileName: 'manifest.json', source: readFileSync(resolve(here, 'manifest.json')) })
    }
  }
}

export default defineConfig({
  root,
  appType: 'mpa',
  publicDir: false,
  plugins: [extensionConnection(), extensionLayout()],
  build: {
    outDir: resolve(root, 'dist-extension'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        console: resolve(root, 'index.html'),
        popup: resolve(here, 'popup.html'),
        offscreen: resolve(here, 'offscreen.html'),
        background: resolve(here, 'background.ts')
      },
      output: {
        entryFileNames: chunk => chunk.name === 'background' ? 'background.js' : 'assets/[name]-[hash].js'
      }
    }
  },
  worker: {
    format: 'es'
  }
})
