// What scripts/profile-sw.mjs and scripts/ab-sw.mjs share: the browser's flags, the URL of
// each kind of read of the bench page's encrypted file, and the browser's CPU from /proc.
import { readdirSync, readFileSync } from 'node:fs'

export const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** `endpoint` and `range` decrypt (`endpoint:<query>` appends a query), `plain` reads the plaintext file, `gateway` the ciphertext */
export function readUrl (kind, file) {
  if (kind.startsWith('endpoint:')) return `/ipfs/${file.cid}?key=${file.keyText}&${kind.slice(9)}`
  if (kind === 'endpoint' || kind === 'range') return `/ipfs/${file.cid}?key=${file.keyText}`
  if (kind === 'plain') return `/ipfs/${file.plainCid}`
  return `/ipfs/${file.cid}`
}

/** CPU ms (user + system) used so far by the processes of the browser whose profile is `dir`; `byType` gets it per process type */
export function browserCpuMs (dir, byType) {
  let ticks = 0
  for (const pid of readdirSync('/proc').filter(name => /^[0-9]+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      if (!cmdline.includes(dir)) continue
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
      const t = Number(fields[11]) + Number(fields[12])
      if (byType != null) {
        const type = (/--type=([a-z-]+)/.exec(cmdline)?.[1] ?? 'browser') + (/--utility-sub-type=([a-zA-Z.]+)/.exec(cmdline)?.[1]?.split('.').pop() ?? '') + (cmdline.includes('--type=renderer') ? pid : '')
        byType[type] = (byType[type] ?? 0) + t * 10
      }
      ticks += t
    } catch {}
  }
  return ticks * 10
}
