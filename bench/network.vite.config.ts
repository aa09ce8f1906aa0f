import { mergeConfig } from 'vite'
import base from '../vite.config.ts'

/** The site plus the network benchmark page, built by bench/node/network.bench.ts. */
export default mergeConfig(base, {
  build: {
    rollupOptions: {
      input: { network: 'bench/browser/network.html' }
    }
  }
})
