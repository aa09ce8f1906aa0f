/**
 * `browser-cafe`: the installed command (package.json `bin`, through scripts/browser-cafe.mjs).
 * One command, a subcommand each for the headless cafe, the relay and garbage collection,
 * with the flags and config files of `npm run cafe` and `npm run relay`.
 *
 * Exit codes: 0 (done, or stopped by SIGINT/SIGTERM), 2 (a usage error: an unknown command or
 * flag, a bad config file or owner secret), 1 (a failure at run time: a port taken, the data
 * directory locked by another cafe, a cafe that does not answer).
 */
import { readFileSync } from 'node:fs'

const PROGRAM = 'browser-cafe'

interface CommandModule {
  run (argv: string[], command: string): Promise<void>
  errorText (err: unknown, command: string): string
  exitCode (err: unknown): number
}

interface Command {
  summary: string
  /** loaded when it runs: `browser-cafe --help` needs none of them */
  load (): Promise<CommandModule>
}

const COMMANDS: Record<string, Command> = {
  cafe: {
    summary: 'run the headless cafe: HTTP API, gateway, libp2p (docs/HEADLESS.md)',
    load: async () => { const m = await import('./cafe.ts'); return { run: m.runCafe, errorText: m.cafeErrorText, exitCode: m.cafeExitCode } }
  },
  relay: {
    summary: 'run the circuit relay that browser cafes are reached through (docs/RELAY.md)',
    load: async () => { const m = await import('./relay.ts'); return { run: m.runRelay, errorText: m.relayErrorText, exitCode: m.relayExitCode } }
  },
  gc: {
    summary: 'report and remove the blocks nothing needs, on the running cafe (--dry-run: report only)',
    load: async () => { const m = await import('./gc.ts'); return { run: m.runGc, errorText: m.gcErrorText, exitCode: m.gcExitCode } }
  }
}

export const usage = (): string => `usage: ${PROGRAM} <command> [options]

commands:
${Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(7)}${command.summary}`).join('\n')}

  ${PROGRAM} <command> --help   the command's options
  ${PROGRAM} --version          the package version`

/** package.json's version: two levels up once compiled into dist-node/scripts/, one from the sources */
function version (): string {
  for (const path of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { name?: string, version: string }
      if (pkg.name === 'browser-cafe') return pkg.version
    } catch { /* the other layout */ }
  }
  return 'unknown'
}

/** Runs the command line; resolves once a command that serves has started (signals end it). */
export async function main (argv: string[]): Promise<void> {
  const [name, ...rest] = argv
  if (name === '--help' || name === '-h' || name === 'help') { console.log(usage()); return }
  if (name === '--version' || name === '-v') { console.log(version()); return }
  const command = name == null ? undefined : COMMANDS[name]
  if (command == null) {
    console.error(`${name == null ? 'no command given' : `unknown command ${name}`}\n${usage()}`)
    process.exitCode = 2
    return
  }
  const label = `${PROGRAM} ${name}`
  const loaded = await command.load()
  try {
    await loaded.run(rest, label)
  } catch (err) {
    console.error(loaded.errorText(err, label))
    process.exit(loaded.exitCode(err))
  }
}
