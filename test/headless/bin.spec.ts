/**
 * The installable command: `npm pack` (which compiles dist-node/ in prepack), `npm install -g`
 * of the tarball into a temporary prefix, then the installed `browser-cafe` run as an operator
 * runs it, from a directory outside the repository: usage and exit codes, a cafe that serves
 * and stops on SIGTERM with 0, the relay on SIGINT, `gc`, and a clear refusal on an old Node.
 *
 * The install resolves the dependencies from npm's cache (`--offline`); when the cache lacks a
 * package's metadata it fills it from the registry once (`--prefer-offline`). On this project's
 * 2-core machine the pack takes about 10 s and the install 50-90 s, so it runs once for the file.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..')
const run = promisify(execFile)
/** Node 24 (the devDependency vitest runs on) first on the PATH, as an operator's would have it */
const PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`
const env = { ...process.env, PATH, DEBUG: '', CAFE_OWNER_SECRET: '' }

interface Child {
  process: ChildProcess
  output (): string
  errors (): string
  /** resolves with the exit code (or the signal's name) */
  exited: Promise<number | string>
  /** the first stdout line matching `pattern` */
  line (pattern: RegExp, timeoutMs?: number): Promise<string>
}

function start (command: string, args: string[], cwd: string): Child {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { err += chunk })
  const exited = new Promise<number | string>(resolve => { child.once('exit', (code, signal) => { resolve(code ?? signal ?? 'unknown') }) })
  return {
    process: child,
    output: () => out,
    errors: () => err,
    exited,
    async line (pattern, timeoutMs = 30_000) {
      const started = Date.now()
      while (Date.now() - started < timeoutMs) {
        const found = out.split('\n').find(line => pattern.test(line))
        if (found != null) return found
        if (child.exitCode != null) break
        await new Promise(resolve => setTimeout(resolve, 50))
      }
      throw new Error(`no line matching ${pattern} (exit ${String(child.exitCode)}):\n${out}\n${err}`)
    }
  }
}

/** Runs to its end: exit code and output. */
async function complete (command: string, args: string[], cwd: string, timeoutMs = 30_000): Promise<{ code: number | string, stdout: string, stderr: string }> {
  const child = start(command, args, cwd)
  const timer = setTimeout(() => { child.process.kill('SIGKILL') }, timeoutMs)
  const code = await child.exited
  clearTimeout(timer)
  return { code, stdout: child.output(), stderr: child.errors() }
}

describe('the installed browser-cafe command', { timeout: 120_000 }, () => {
  let work: string
  let bin: string
  let installed: string
  const children: Child[] = []

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'cafe-bin-'))
    const packed = await run('npm', ['pack', '--pack-destination', work], { cwd: ROOT, env, timeout: 120_000 })
    const tarball = join(work, packed.stdout.trim().split('\n').pop() as string)
    const prefix = join(work, 'prefix')
    const install = async (mode: string): Promise<unknown> => run('npm', ['install', '-g', tarball, '--prefix', prefix, mode, '--no-audit', '--no-fund'], { cwd: work, env, timeout: 240_000 })
    try {
      await install('--offline')
    } catch (err) {
      if (!String((err as { stderr?: string }).stderr).includes('ENOTCACHED')) throw err
      await install('--prefer-offline')
    }
    bin = join(prefix, 'bin', 'browser-cafe')
    installed = join(prefix, 'lib', 'node_modules', 'browser-cafe')
  }, 400_000)

  afterAll(async () => {
    for (const child of children) if (child.process.exitCode == null) child.process.kill('SIGKILL')
    await rm(work, { recursive: true, force: true })
  })

  it('is the compiled command alone: no sources, no tsx', () => {
    expect(existsSync(bin)).toBe(true)
    expect(existsSync(join(installed, 'dist-node', 'scripts', 'cli.js'))).toBe(true)
    expect(existsSync(join(installed, 'src'))).toBe(false)
    expect(existsSync(join(installed, 'node_modules', 'tsx'))).toBe(false)
    expect(existsSync(join(installed, 'node_modules', 'prom-client'))).toBe(true)
  })

  it('--help prints the usage and exits 0, for the command and for each subcommand', async () => {
    const help = await complete(bin, ['--help'], work)
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^usage: browser-cafe <command> \[options\]/)
    for (const command of ['cafe', 'relay', 'gc']) expect(help.stdout).toContain(`\n  ${command} `)
    const cafe = await complete(bin, ['cafe', '--help'], work)
    expect(cafe.code).toBe(0)
    expect(cafe.stdout).toMatch(/^usage: browser-cafe cafe \[options\]/)
    expect(cafe.stdout).toContain('--data-dir <dir>')
    const relay = await complete(bin, ['relay', '-h'], work)
    expect(relay.code).toBe(0)
    expect(relay.stdout).toMatch(/^usage: browser-cafe relay \[options\]/)
    expect((await complete(bin, ['--version'], work)).stdout.trim()).toBe(JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version)
  })

  it('a bad flag, a bad value or an unknown command exits 2 and says why', async () => {
    const flag = await complete(bin, ['cafe', '--bogus'], work)
    expect(flag.code).toBe(2)
    expect(flag.stderr).toContain("Unknown option '--bogus'")
    expect(flag.stderr).toContain('usage: browser-cafe cafe [options]')
    const value = await complete(bin, ['cafe', '--http-port', '99999'], work)
    expect(value.code).toBe(2)
    expect(value.stderr.trim()).toBe('http-port must be an integer from 0 to 65535, got 99999')
    const relay = await complete(bin, ['relay', '--port', 'x'], work)
    expect(relay.code).toBe(2)
    const unknown = await complete(bin, ['brew'], work)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/^unknown command brew\nusage: browser-cafe/)
    expect((await complete(bin, [], work)).code).toBe(2)
  })

  it('the cafe serves GET /api/v0/cafe and /readyz, gc reports, a second cafe on its port exits 1, and SIGTERM stops it with 0', async () => {
    const dataDir = join(work, 'cafe-data')
    const cafe = start(bin, ['cafe', '--data-dir', dataDir, '--http-port', '0', '--listen', '/ip4/127.0.0.1/tcp/0', '--json'], work)
    children.push(cafe)
    const started = JSON.parse(await cafe.line(/^\{/)) as { url: string, peerId: string, ownerSecretFile: string }
    const info = await fetch(`${started.url}/api/v0/cafe`)
    expect(info.status).toBe(200)
    expect(await info.json()).toMatchObject({ peerId: started.peerId })
    const secret = (await readFile(started.ownerSecretFile, 'utf8')).trim()
    const ready = await fetch(`${started.url}/readyz`, { headers: { authorization: `Bearer ${secret}` } })
    expect(ready.status).toBe(200)

    const gc = await complete(bin, ['gc', '--dry-run', '--data-dir', dataDir, '--url', started.url], work)
    expect(gc.code, gc.stderr).toBe(0)
    expect(gc.stdout).toMatch(/^dry run: 0 of \d+ blocks \(0 bytes\) are needed by nothing/)
    const wrongSecret = await complete(bin, ['gc', '--url', started.url, '--data-dir', join(work, 'elsewhere')], work)
    expect(wrongSecret.code).toBe(2)
    expect(wrongSecret.stderr).toMatch(/no owner secret/)

    const port = new URL(started.url).port
    const second = await complete(bin, ['cafe', '--data-dir', join(work, 'second'), '--http-port', port, '--listen', '/ip4/127.0.0.1/tcp/0'], work)
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(/EADDRINUSE/)

    cafe.process.kill('SIGTERM')
    expect(await cafe.exited).toBe(0)
  })

  it('the relay starts and SIGINT stops it with 0', async () => {
    const relay = start(bin, ['relay', '--port', '0', '--key-dir', join(work, 'relay'), '--json'], work)
    children.push(relay)
    const started = JSON.parse(await relay.line(/^\{/)) as { peerId: string, multiaddrs: string[] }
    expect(started.multiaddrs[0]).toMatch(/\/ws\/p2p\//)
    relay.process.kill('SIGINT')
    expect(await relay.exited).toBe(0)
  })

  it('on a Node older than package.json engines asks, it says so and exits 1', async ({ skip }) => {
    const old = ['/usr/bin/node', '/usr/local/bin/node'].find(path => existsSync(path))
    if (old == null) return skip()
    const version = (await run(old, ['-p', 'process.versions.node'])).stdout.trim()
    if (Number(version.split('.')[0]) >= 24) return skip()
    const refused = await complete(old, [bin, '--help'], work)
    expect(refused.code).toBe(1)
    expect(refused.stderr.trim()).toBe(`browser-cafe needs Node 24 or later (package.json engines: ">=24"); this is Node ${version}`)
  })
})
