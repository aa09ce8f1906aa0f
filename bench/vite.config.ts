import { mergeConfig } from 'vite'
import base from '../vite.config.ts'

/** The site plus the benchmark page, built into dist-bench/ by scripts/bench.mjs. */
export default mergeConfig(base, {
  build: {
    outDir: 'dist-bench',
    rollupOptions: {
      input: { bench: 'bench/browser/index.html' }
    }
  }
})
