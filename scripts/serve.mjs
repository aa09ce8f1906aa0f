// Serves the built site (dist/) on HOST:PORT (default 127.0.0.1:8080) and prints the URL.
import { preview } from 'vite'

export async function serve ({ host = process.env.HOST ?? '127.0.0.1', port = Number(process.env.PORT ?? 8080) } = {}) {
  const server = await preview({ preview: { host, port, strictPort: true, open: false }, logLevel: 'warn' })
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`
  console.log(`Browser cafe running at ${url}`)
  return { server, url }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await serve()
}
