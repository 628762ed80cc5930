import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '../..')
const cli = ['--import', 'tsx', join(root, 'agent', 'cli.ts')]

/**
 * A real `sitewire-agent` process and the JSON lines it logged. `node` are options for
 * Node.js itself, given before the CLI (an extra `--import`, say).
 */
export const runAgent = (args: string[], node: string[] = []) => runNode([...node, ...cli, ...args])

/** A real agent process of a bundled build (`npm run build:agent`), as installed on a server. */
export const runAgentBuild = (file: string, args: string[]) => runNode([file, ...args])

const runNode = (argv: string[]) => {
  const child = spawn(process.execPath, argv, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: Record<string, unknown>[] = []
  let text = ''
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      for (const line of chunk.toString().split('\n')) {
        try {
          if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>)
        } catch {
          // Not a log line (help text, say).
        }
      }
    })
  }
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  return { child, lines, exited, text: () => text }
}

/** Polls `check` every 200 ms until it returns something. */
export const until = async <T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  ms = 60_000,
): Promise<T> => {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}
