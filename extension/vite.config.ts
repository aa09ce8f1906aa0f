import { readFileSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, defineConfig, type Plugin, type Rolldown } from 'vite'

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

/**
 * The content script as one classic script (content scripts cannot be modules, so it
 * may not share chunks with the pages).
 */
async function contentScript (): Promise<string> {
  const output = await build({
    configFile: false,
    root,
    logLevel: 'warn',
    build: {
      write: false,
      target: 'es2022',
      minify: true,
      lib: { entry: resolve(here, 'content.ts'), formats: ['iife'], name: 'cafeContent', fileName: () => 'content.js' }
    }
  }) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[]
  const chunk = (Array.isArray(output) ? output : [output]).flatMap(o => o.output).find(o => o.type === 'chunk')
  if (chunk?.type !== 'chunk') throw new Error('the content script build produced no chunk')
  return chunk.code
}

/** Moves extension/*.html to the root of the build and adds the manifest and the content script. */
function extensionLayout (): Plugin {
  return {
    name: 'cafe-extension-layout',
    // after Vite's HTML plugin has emitted the pages
    enforce: 'post',
    async generateBundle (_options, bundle) {
      this.emitFile({ type: 'asset', fileName: 'content.js', source: await contentScript() })
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
  // the favicon and icons (the web app manifest comes along, unused)
  publicDir: resolve(root, 'public'),
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
        bridge: resolve(here, 'bridge.html'),
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
