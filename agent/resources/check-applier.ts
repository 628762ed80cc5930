import type { CheckManifest } from '../../schema/resources/manifest'
import type { Logger } from '../log'
import type { Applier, ApplyOutcome } from './applier'
import { runProbe, runRemediation } from './probe'

export type CheckState = 'unknown' | 'passing' | 'failing'

interface Watcher {
  manifest: CheckManifest
  state: CheckState
  failuresInRow: number
  lastExitCode: number | null
  lastDetail: string | null
  lastRunAt: string | null
  remediations: number
  timer: NodeJS.Timeout
}

/** The next state of a check after a run: `failures` failed runs in a row make it failing, one success passing. */
export const nextCheckState = (
  state: CheckState,
  failuresInRow: number,
  passed: boolean,
  failures: number,
): { state: CheckState; failuresInRow: number } => {
  if (passed) return { state: 'passing', failuresInRow: 0 }
  const count = failuresInRow + 1
  return { state: count >= failures ? 'failing' : state, failuresInRow: count }
}

/**
 * `Check`: an autonomous watcher (Choria's autonomous agents). Its probe runs every
 * `interval_seconds`, connected to the platform or not; on entering `failing` its
 * `remediation` runs once. A changed manifest starts the watch over.
 */
export class CheckApplier implements Applier<CheckManifest> {
  private readonly watchers = new Map<string, Watcher>()

  /** `changed` is told when a check changes state, so it is reported without waiting for the next pass. */
  constructor(
    private readonly log: Logger,
    private readonly changed: () => void,
  ) {}

  async apply(manifest: CheckManifest): Promise<ApplyOutcome> {
    let watcher = this.watchers.get(manifest.name)
    const changed = watcher === undefined || JSON.stringify(watcher.manifest) !== JSON.stringify(manifest)
    if (changed) {
      if (watcher) clearInterval(watcher.timer)
      watcher = this.watch(manifest)
    }
    const current = watcher as Watcher
    return {
      applied: true,
      changed,
      available: current.state !== 'failing',
      degraded: current.state === 'failing',
      message: changed
        ? `watching ${manifest.name}`
        : `${manifest.name} is ${current.state}${current.state === 'failing' ? `: ${current.lastDetail}` : ''}`,
      observed: {
        name: manifest.name,
        state: current.state,
        last_exit_code: current.lastExitCode,
        last_result: current.lastDetail,
        last_run_at: current.lastRunAt,
        failures_in_row: current.failuresInRow,
        remediations: current.remediations,
      },
    }
  }

  async remove(manifest: CheckManifest) {
    this.release(manifest)
  }

  release(manifest: CheckManifest) {
    const watcher = this.watchers.get(manifest.name)
    if (watcher) clearInterval(watcher.timer)
    this.watchers.delete(manifest.name)
  }

  shutdown() {
    for (const watcher of this.watchers.values()) clearInterval(watcher.timer)
    this.watchers.clear()
  }

  /** Runs the check once now, then on its interval. */
  private watch(manifest: CheckManifest): Watcher {
    const watcher: Watcher = {
      manifest,
      state: 'unknown',
      failuresInRow: 0,
      lastExitCode: null,
      lastDetail: null,
      lastRunAt: null,
      remediations: 0,
      timer: setInterval(() => void this.tick(watcher), manifest.interval_seconds * 1000),
    }
    this.watchers.set(manifest.name, watcher)
    void this.tick(watcher)
    return watcher
  }

  private async tick(watcher: Watcher) {
    const { manifest } = watcher
    const result = await runProbe(manifest, manifest.interval_seconds * 1000)
    if (this.watchers.get(manifest.name) !== watcher) return
    const next = nextCheckState(watcher.state, watcher.failuresInRow, result.passed, manifest.failures)
    const entered = next.state === 'failing' && watcher.state !== 'failing'
    const moved = next.state !== watcher.state
    Object.assign(watcher, next, {
      lastExitCode: result.exitCode,
      lastDetail: result.detail,
      lastRunAt: new Date().toISOString(),
    })
    if (moved) this.changed()
    if (!entered || !manifest.remediation) return
    watcher.remediations += 1
    const remedied = await runRemediation(manifest.remediation, manifest.interval_seconds * 1000)
    this.log.info('check remediation ran', { name: manifest.name, exit_code: remedied.exitCode })
  }
}
