import { execFile } from 'node:child_process'
import { open, stat } from 'node:fs/promises'
import type { FileProbe, HttpProbe, Probe } from '../../schema/resources/manifest'

/** A probe's result: whether it passed, the command's exit code when it was one, and why it failed. */
export interface ProbeResult {
  passed: boolean
  exitCode: number | null
  detail: string
}

/** A file probe reads at most this much looking for `contains`. */
const MAX_FILE_READ = 1024 * 1024

const runCommand = (command: readonly string[], timeoutMs: number) =>
  new Promise<ProbeResult>((resolve) => {
    const [file, ...args] = command as [string, ...string[]]
    execFile(file, args, { timeout: timeoutMs }, (error) => {
      if (!error) return resolve({ passed: true, exitCode: 0, detail: 'exited 0' })
      const exitCode = typeof error.code === 'number' ? error.code : null
      resolve({
        passed: false,
        exitCode,
        detail: exitCode === null ? `could not run: ${error.message}` : `exited ${exitCode}`,
      })
    })
  })

const probeHttp = async (http: HttpProbe): Promise<ProbeResult> => {
  try {
    const response = await fetch(http.url, {
      redirect: 'manual',
      signal: AbortSignal.timeout(http.timeout_seconds * 1000),
    })
    const wanted = http.statuses ? http.statuses.includes(response.status) : response.status < 400
    if (!wanted) {
      await response.body?.cancel()
      return { passed: false, exitCode: null, detail: `answered ${response.status}` }
    }
    if (http.contains !== undefined && !(await response.text()).includes(http.contains))
      return {
        passed: false,
        exitCode: null,
        detail: `answered ${response.status} without "${http.contains}"`,
      }
    if (http.contains === undefined) await response.body?.cancel()
    return { passed: true, exitCode: null, detail: `answered ${response.status}` }
  } catch (error) {
    const cause =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : ''
    return { passed: false, exitCode: null, detail: `no answer: ${cause}` }
  }
}

const readHead = async (path: string) => {
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(MAX_FILE_READ)
    const { bytesRead } = await handle.read(buffer, 0, MAX_FILE_READ, 0)
    return buffer.subarray(0, bytesRead).toString('utf8')
  } finally {
    await handle.close()
  }
}

const probeFile = async (file: FileProbe, now: number): Promise<ProbeResult> => {
  const stats = await stat(file.path).catch(() => undefined)
  if (!stats) return { passed: false, exitCode: null, detail: `${file.path} does not exist` }
  const ageSeconds = Math.floor((now - stats.mtimeMs) / 1000)
  if (file.max_age_seconds !== undefined && ageSeconds > file.max_age_seconds)
    return { passed: false, exitCode: null, detail: `${file.path} was last modified ${ageSeconds} s ago` }
  if (file.contains !== undefined && !(await readHead(file.path)).includes(file.contains))
    return { passed: false, exitCode: null, detail: `${file.path} does not hold "${file.contains}"` }
  return { passed: true, exitCode: null, detail: `${file.path} is as expected` }
}

/** Runs one probe; a command may take up to `timeoutMs`. */
export const runProbe = (probe: Probe, timeoutMs: number, now = Date.now()): Promise<ProbeResult> => {
  if (probe.http) return probeHttp(probe.http)
  if (probe.file) return probeFile(probe.file, now)
  if (probe.command) return runCommand(probe.command, timeoutMs)
  return Promise.resolve({ passed: false, exitCode: null, detail: 'nothing to probe' })
}

/** Runs a command for its effect (a remediation), answering how it ended. */
export const runRemediation = (command: readonly string[], timeoutMs: number) =>
  runCommand(command, timeoutMs)
