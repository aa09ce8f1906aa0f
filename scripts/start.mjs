// `npm start`: build the site with vite, then serve it (HOST and PORT change the address).
import { build } from 'vite'
import { serve } from './serve.mjs'

await build({ logLevel: 'warn' })
await serve()
