import { type ChildProcess, spawn } from 'node:child_process'

export interface SupervisedProcess {
  readonly name: string
  readonly pid: number | undefined
  /** Stops the process (SIGINT, then SIGKILL after `graceMs`) and does not restart it. */
  stop(graceMs?: number): Promise<void>
}

/**
 * Runs a child process and restarts it with backoff whenever it exits on its own, so a
 * crashed local libSQL server comes back by itself the way a managed one would.
 */
export const supervise = (spec: {
  name: string
  command: string
  args: string[]
  env?: NodeJS.ProcessEnv
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void
  onRestart?: (exitCode: number | null, delayMs: number) => void
}): SupervisedProcess => {
  let child: ChildProcess | undefined
  let stopping = false
  let failures = 0
  let restartTimer: NodeJS.Timeout | undefined

  const start = () => {
    const started = Date.now()
    // The IPC channel closes when this process dies, however it dies, so the child can follow.
    const proc = spawn(spec.command, spec.args, {
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    child = proc
    for (const stream of ['stdout', 'stderr'] as const) {
      let buffered = ''
      proc[stream]?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString()
        const lines = buffered.split('\n')
        buffered = lines.pop() ?? ''
        for (const line of lines) if (line.trim()) spec.onLine?.(line, stream)
      })
    }
    proc.on('exit', (code) => {
      if (stopping) return
      failures = Date.now() - started > 30_000 ? 1 : failures + 1
      const delay = Math.min(10_000, 250 * 2 ** (failures - 1))
      spec.onRestart?.(code, delay)
      restartTimer = setTimeout(start, delay)
    })
  }
  start()

  return {
    name: spec.name,
    get pid() {
      return child?.pid
    },
    async stop(graceMs = 5000) {
      stopping = true
      clearTimeout(restartTimer)
      const proc = child
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
      proc.kill('SIGINT')
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
  }
}
