import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '../..')
const cli = ['--import', 'tsx', join(root, 'cli', 'sitewire.ts')]

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs the real `sitewire` CLI as its own process with `env` added (its config under
 * XDG_CONFIG_HOME), feeding it `input` on stdin; resolves when it exits.
 */
export const sitewire = async (
  args: string[],
  options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> => {
  const child = spawn(process.execPath, [...cli, ...args], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...options.env },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  child.stdin.end(options.input ?? '')
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
  const [code] = (await once(child, 'exit')) as [number | null]
  clearTimeout(timer)
  return { code, stdout, stderr }
}
