import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { EXIT_FAILURE, EXIT_UPGRADED } from '../errors'
import type { Logger } from '../log'
import { type BuildFiles, rollBack } from './build-files'
import type { UpgradeStateFile } from './upgrade-state'

/** Set for an agent its supervisor started: it exits with EXIT_UPGRADED to be started again. */
export const SUPERVISED_ENV = 'SITEWIRE_AGENT_SUPERVISED'

/** How long a build that missed its time has to stop before it is killed. */
const KILL_AFTER_MS = 10_000

export interface SuperviseOptions {
  files: BuildFiles
  state: UpgradeStateFile
  /** The installed program, run while no build is swapped in: its file and Node's options for it. */
  installed: { file: string; nodeArgs: string[] }
  /** The agent's command line after the program (`run --state-dir …`). */
  args: string[]
  log: Logger
}

/**
 * Runs the agent's current build as a child process and starts it again after each upgrade.
 * When an upgrade is pending and the new build exits, or does not connect by the deadline,
 * it goes back to the previous build, records why, and starts that one, which reports it.
 * The same under systemd as by hand: systemd sees one service whose main process stays.
 * Resolves with the exit code to end with.
 */
export const supervise = async (options: SuperviseOptions): Promise<number> => {
  const { files, state, log } = options
  let child: ChildProcess | undefined
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    stopping = true
    child?.kill(signal)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  for (;;) {
    const entry = existsSync(files.current) ? { file: files.current, nodeArgs: [] } : options.installed
    // The IPC channel closes when this process dies, however it dies: the child then exits too.
    child = spawn(process.execPath, [...entry.nodeArgs, entry.file, ...options.args], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, [SUPERVISED_ENV]: '1' },
    })
    const running = child
    const pending = state.read().pending
    let missedDeadline = false
    const deadline =
      pending &&
      setTimeout(
        () => {
          if (state.read().pending?.build_id !== pending.build_id) return
          missedDeadline = true
          running.kill('SIGTERM')
          setTimeout(() => running.kill('SIGKILL'), KILL_AFTER_MS).unref()
        },
        Math.max(0, pending.deadline_ms - Date.now()),
      )
    const [code, signal] = (await once(running, 'exit')) as [number | null, NodeJS.Signals | null]
    if (deadline) clearTimeout(deadline)
    if (stopping) return code ?? 0
    if (code === EXIT_UPGRADED) continue
    const failed = state.read().pending
    if (!failed) return code ?? EXIT_FAILURE
    const reason = missedDeadline
      ? `version ${failed.version} did not connect in time; rolled back to ${failed.from_version}`
      : `version ${failed.version} exited (${code ?? signal}) before it connected; rolled back to ${failed.from_version}`
    rollBack(files)
    state.failed(
      {
        rollout_id: failed.rollout_id,
        build_id: failed.build_id,
        version: failed.version,
        stage: 'rolled_back',
        reason,
      },
      { reported: false },
    )
    log.warn('upgrade failed', { build_id: failed.build_id, reason })
  }
}
