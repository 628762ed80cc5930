import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePorts } from '../lib/free-port'

export interface RunningMosquitto {
  url: string
  pid: number
  version: string
  stop(): Promise<void>
}

/** The mosquitto binary (Debian installs it in /usr/sbin, often not on a user's PATH), or undefined. */
export const findMosquitto = (): string | undefined =>
  [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']
    .filter(Boolean)
    .map((dir) => join(dir, 'mosquitto'))
    .find((candidate) => {
      try {
        accessSync(candidate, constants.X_OK)
        return true
      } catch {
        return false
      }
    })

/** `mosquitto -h` prints its version but exits with 3: the text is read either way. */
const versionOf = (binary: string) => {
  try {
    return execFileSync(binary, ['-h'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
  } catch (error) {
    return String((error as { stdout?: Buffer }).stdout ?? '')
  }
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })

/**
 * A private broker on 127.0.0.1 with a config of its own: anonymous clients, no connection
 * cap (Debian's default caps nothing either, but says so), nothing persisted to disk.
 */
export const startMosquitto = async (binary: string): Promise<RunningMosquitto> => {
  const port = await freePorts(1)
  const dir = mkdtempSync(join(tmpdir(), 'sitewire-bench-mosquitto-'))
  const config = join(dir, 'mosquitto.conf')
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'max_connections -1',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  )
  const version = /mosquitto version (\S+)/.exec(versionOf(binary))?.[1] ?? 'unknown'
  const child: ChildProcess = spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  const output: string[] = []
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()))
  const exited = once(child, 'exit')
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 15_000
  while (!(await portOpen(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      throw new Error(`mosquitto did not start:\n${output.join('')}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { url: `mqtt://127.0.0.1:${port}`, pid: child.pid ?? 0, version, stop }
}
