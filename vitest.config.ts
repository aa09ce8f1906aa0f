// the config runs in vitest's main process, which needs the Node 20 polyfills too
import './src/node/polyfills.ts'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.spec.ts'],
    setupFiles: ['src/node/polyfills.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
