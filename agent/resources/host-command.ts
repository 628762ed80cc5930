import { execFile } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

/** How much of a command's output is kept. */
const MAX_OUTPUT = 1024 * 1024

export interface HostCommandResult {
  /** The exit code; null when it could not start or was killed (its timeout). */
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs a host tool (dpkg, apt-get, systemctl…) as its argv, without a shell, within
 * `timeoutMs`. It never throws: a tool that fails, cannot start or times out is a result
 * whose stderr says why, for the condition's message.
 */
export const runHostCommand = (
  file: string,
  args: readonly string[],
  timeoutMs: number,
  env: Record<string, string> = {},
) =>
  new Promise<HostCommandResult>((resolve) => {
    execFile(
      file,
      args,
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: MAX_OUTPUT, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) return resolve({ code: 0, stdout, stderr })
        const code = typeof error.code === 'number' ? error.code : null
        const why = error.killed ? `timed out after ${timeoutMs / 1000} s` : error.message
        resolve({ code, stdout, stderr: code === null ? `${stderr}\n${why}`.trim() : stderr })
      },
    )
  })

/** Why a command failed, short enough for a condition's message. */
export const commandFailure = (what: string, result: HostCommandResult) =>
  `${what} failed (exit ${result.code ?? 'none'}): ${result.stderr.trim().slice(-500) || result.stdout.trim().slice(-500)}`

/** Runs it and throws the failure, for steps where anything but success ends the attempt. */
export const mustRun = async (
  file: string,
  args: readonly string[],
  timeoutMs: number,
  env?: Record<string, string>,
) => {
  const result = await runHostCommand(file, args, timeoutMs, env)
  if (result.code !== 0) throw new Error(commandFailure([file, ...args].join(' '), result))
  return result
}

/** Whether an executable of this name is on the PATH. */
export const onPath = (name: string): boolean =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
