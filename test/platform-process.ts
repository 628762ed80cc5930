import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')

export interface RunningPlatform {
  url: string
  /** The admin key, when this start was the first one for the data directory. */
  adminKey: string | undefined
  /** The first admin user's password, printed with the key. */
  adminPassword: string | undefined
  process: ChildProcess
  output: string[]
  /** SIGINT, as Ctrl-C would; resolves when everything has exited. */
  stop(): Promise<void>
  /** SIGKILL to the whole process group: the platform dies mid-flight, as in a crash. */
  kill(): Promise<void>
}

/**
 * Starts the platform exactly as the README says (`npm start`), in its own process group,
 * and resolves once it reports ready.
 */
export const startPlatform = async (options: {
  dataDir: string
  port: number
  timeoutMs?: number
  /** The platform's log level; `warn` keeps benchmarks from measuring log piping. */
  logLevel?: 'debug' | 'info' | 'warn'
  /** Opens workerd's V8 inspector on this port (for a CPU profile). */
  inspectorPort?: number
}): Promise<RunningPlatform> => {
  const child = spawn(
    'npm',
    [
      'start',
      '--',
      '--data-dir',
      options.dataDir,
      '--port',
      String(options.port),
      '--log-level',
      options.logLevel ?? 'warn',
      ...(options.inspectorPort === undefined ? [] : ['--inspector-port', String(options.inspectorPort)]),
    ],
    {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    },
  )
  const output: string[] = []
  let adminKey: string | undefined
  let adminPassword: string | undefined
  const ready = new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`platform did not start:\n${output.slice(-40).join('\n')}`)),
      options.timeoutMs ?? 90_000,
    )
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue
        output.push(line)
        const key = /Admin API key:\s+(sw_\S+)/.exec(line)
        if (key) adminKey = key[1]
        const password = /Admin password:\s+(\S+)/.exec(line)
        if (password) adminPassword = password[1]
        if (line.includes('"platform ready"')) {
          clearTimeout(timer)
          resolveReady()
        }
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`platform exited with ${code}:\n${output.slice(-40).join('\n')}`))
    })
  })
  await ready
  const exited = once(child, 'exit')
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal)
    } catch {
      // The group is gone already.
    }
  }
  return {
    url: `http://127.0.0.1:${options.port}`,
    adminKey,
    adminPassword,
    process: child,
    output,
    async stop() {
      signalGroup('SIGINT')
      await exited
    },
    async kill() {
      signalGroup('SIGKILL')
      await exited
    },
  }
}

/** A free-enough port for a test run: spread by process id so parallel runs rarely collide. */
export const testPort = (offset: number) => 20_000 + ((process.pid * 7) % 20_000) + offset * 2
