import { type ChildProcess, spawn } from 'node:child_process'
import type { ProcessManifest } from '../../schema/resources/manifest'
import type { UpdateStrategy } from '../../schema/resources/resource'
import type { Logger } from '../log'
import type { Applier, ApplyOutcome } from './applier'
import { runProbe } from './probe'

interface Supervised {
  manifest: ProcessManifest
  child: ChildProcess | undefined
  restarts: number
  lastExitCode: number | null
  /** Set once the process is no longer to be restarted. */
  stopped: boolean
  restartTimer: NodeJS.Timeout | undefined
  health: HealthState
}

/** What the health check found of the running copy, and how often it had the process restarted. */
interface HealthState {
  timer: NodeJS.Timeout | undefined
  failuresInRow: number
  last: string | null
  restarts: number
  /** Set when the health check stopped the process: it is started again whatever `restart` says. */
  restarting: boolean
}

const sameCommand = (a: ProcessManifest, b: ProcessManifest) => JSON.stringify(a) === JSON.stringify(b)

/**
 * `Process`: a long-running command the agent starts and supervises, restarted per its
 * `restart` policy when it exits. A changed manifest restarts it (Update, ServerSideApply);
 * CreateOnly keeps what runs; ReadOnly only reports whether it runs.
 */
export class ProcessApplier implements Applier<ProcessManifest> {
  private readonly supervised = new Map<string, Supervised>()

  /** `changed` is told when a process exits, so it is reported without waiting for the next pass. */
  constructor(
    private readonly log: Logger,
    private readonly changed: () => void,
  ) {}

  async apply(manifest: ProcessManifest, strategy: UpdateStrategy): Promise<ApplyOutcome> {
    const known = this.supervised.get(manifest.name)
    if (strategy === 'ReadOnly') return this.outcome(manifest, known, false, 'observed')
    if (known && !sameCommand(known.manifest, manifest) && strategy !== 'CreateOnly') {
      this.halt(known)
      this.supervised.delete(manifest.name)
      return this.outcome(
        manifest,
        this.start(manifest),
        true,
        `restarted ${manifest.name} with its new command`,
      )
    }
    if (!known) return this.outcome(manifest, this.start(manifest), true, `started ${manifest.name}`)
    return this.outcome(manifest, known, false, `${manifest.name} is supervised`)
  }

  async remove(manifest: ProcessManifest) {
    const known = this.supervised.get(manifest.name)
    if (known) this.halt(known)
    this.supervised.delete(manifest.name)
  }

  /** Orphaned: no longer restarted, left running. */
  release(manifest: ProcessManifest) {
    const known = this.supervised.get(manifest.name)
    if (!known) return
    known.stopped = true
    clearTimeout(known.restartTimer)
    clearTimeout(known.health.timer)
    this.supervised.delete(manifest.name)
  }

  /** The agent stops: what it supervises stops with it, so a new agent does not start a second copy. */
  shutdown() {
    for (const known of this.supervised.values()) this.halt(known)
    this.supervised.clear()
  }

  private start(manifest: ProcessManifest): Supervised {
    const entry: Supervised = {
      manifest,
      child: undefined,
      restarts: 0,
      lastExitCode: null,
      stopped: false,
      restartTimer: undefined,
      health: { timer: undefined, failuresInRow: 0, last: null, restarts: 0, restarting: false },
    }
    this.spawn(entry)
    this.supervised.set(manifest.name, entry)
    return entry
  }

  private spawn(entry: Supervised) {
    const [command, ...args] = entry.manifest.command as [string, ...string[]]
    const child = spawn(command, args, { stdio: 'ignore' })
    entry.child = child
    child.on('error', (error) =>
      this.log.warn('process failed to start', { name: entry.manifest.name, error: error.message }),
    )
    this.watchHealth(entry, child)
    child.on('exit', (code) => {
      entry.child = undefined
      entry.lastExitCode = code
      clearTimeout(entry.health.timer)
      if (!entry.stopped) this.changed()
      const { restart, restart_delay_seconds } = entry.manifest
      const unhealthy = entry.health.restarting
      entry.health.restarting = false
      if (entry.stopped) return
      if (!unhealthy && (restart === 'never' || (restart === 'on-failure' && code === 0))) return
      entry.restartTimer = setTimeout(() => {
        if (entry.stopped) return
        entry.restarts += 1
        this.spawn(entry)
      }, restart_delay_seconds * 1000)
    })
  }

  /**
   * Probes a running copy every `interval_seconds` once it has run `grace_seconds`; `failures`
   * failed probes in a row stop it, and the exit handler starts it again.
   */
  private watchHealth(entry: Supervised, child: ChildProcess) {
    const health = entry.manifest.health
    if (!health) return
    entry.health.failuresInRow = 0
    const probe = async () => {
      const result = await runProbe(health, health.interval_seconds * 1000)
      if (entry.child !== child || entry.stopped) return
      const wasFailing = entry.health.failuresInRow > 0
      entry.health.failuresInRow = result.passed ? 0 : entry.health.failuresInRow + 1
      entry.health.last = result.detail
      if (entry.health.failuresInRow >= health.failures) {
        this.log.warn('process failed its health check: restarting it', {
          name: entry.manifest.name,
          result: result.detail,
        })
        entry.health.restarts += 1
        entry.health.restarting = true
        child.kill('SIGTERM')
        return
      }
      if (wasFailing !== entry.health.failuresInRow > 0) this.changed()
      entry.health.timer = setTimeout(() => void probe(), health.interval_seconds * 1000)
    }
    entry.health.timer = setTimeout(() => void probe(), health.grace_seconds * 1000)
  }

  private halt(entry: Supervised) {
    entry.stopped = true
    clearTimeout(entry.restartTimer)
    clearTimeout(entry.health.timer)
    entry.child?.kill('SIGTERM')
  }

  private outcome(
    manifest: ProcessManifest,
    entry: Supervised | undefined,
    changed: boolean,
    message: string,
  ): ApplyOutcome {
    const running = entry?.child?.pid !== undefined && entry.child.exitCode === null
    const failingHealth = entry !== undefined && entry.health.failuresInRow > 0
    return {
      applied: entry !== undefined,
      changed,
      available: running && !failingHealth,
      degraded: entry !== undefined && (!running || failingHealth),
      ...(entry ? {} : { reason: 'NotFound' }),
      message:
        !running && entry
          ? `${manifest.name} exited with ${entry.lastExitCode}`
          : failingHealth
            ? `${manifest.name} is failing its health check: ${entry?.health.last}`
            : message,
      observed: {
        name: manifest.name,
        running,
        pid: running ? (entry?.child?.pid ?? null) : null,
        restarts: entry?.restarts ?? 0,
        last_exit_code: entry?.lastExitCode ?? null,
        ...(manifest.health
          ? {
              health: {
                failures_in_row: entry?.health.failuresInRow ?? 0,
                last_result: entry?.health.last ?? null,
                restarts: entry?.health.restarts ?? 0,
              },
            }
          : {}),
      },
    }
  }
}
