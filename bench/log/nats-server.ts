import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePorts } from '../lib/free-port'

export interface RunningNatsServer {
  url: string
  pid: number
  version: string
  stop(): Promise<void>
}

/** The nats-server binary on PATH (Debian installs it in /usr/sbin), or undefined. */
export const findNatsServer = (): string | undefined => {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']) {
    const candidate = join(dir, 'nats-server')
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' })
      return candidate
    } catch {
      // Not here; try the next directory.
    }
  }
  return undefined
}

/** Starts a private JetStream server with file storage in a temp dir, on 127.0.0.1 only. */
export const startNatsServer = async (binary: string): Promise<RunningNatsServer> => {
  const port = await freePorts(1)
  const storeDir = mkdtempSync(join(tmpdir(), 'sitewire-bench-nats-'))
  const version = execFileSync(binary, ['--version']).toString().trim()
  const child: ChildProcess = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const output: string[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`nats-server did not start:\n${output.join('')}`)),
      15_000,
    )
    child.stderr?.on('data', (chunk: Buffer) => {
      output.push(chunk.toString())
      if (output.join('').includes('Server is ready')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`nats-server exited with ${code}:\n${output.join('')}`))
    })
  })
  const exited = once(child, 'exit')
  return {
    url: `127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    version,
    async stop() {
      child.kill('SIGTERM')
      await exited
      rmSync(storeDir, { recursive: true, force: true })
    },
  }
}
