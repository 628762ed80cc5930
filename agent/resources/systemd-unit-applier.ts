import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { SystemdUnitManifest } from '../../schema/resources/manifest'
import type { UpdateStrategy } from '../../schema/resources/resource'
import { errorMessage } from '../log'
import { type Applier, type ApplyOutcome, failed } from './applier'
import { mustRun, runHostCommand } from './host-command'

/** Starting a unit waits for it to start; a slow one should fail the pass, not hang it. */
const SYSTEMCTL_TIMEOUT_MS = 120_000

export interface SystemdSettings {
  /** The `systemctl` to run: a test double where systemd does not run. */
  systemctl: string
  /** Where unit files are written. */
  unitDir: string
}

/** The agent's `systemctl` and `systemd_unit_dir` settings, else systemd's own. */
export const systemdSettingsOf = (config: {
  systemctl?: string
  systemd_unit_dir?: string
}): SystemdSettings => ({
  systemctl: config.systemctl ?? 'systemctl',
  unitDir: config.systemd_unit_dir ?? '/etc/systemd/system',
})

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex')

interface UnitState {
  /** The unit file's sha256, or null when the agent's directory has none. */
  sha256: string | null
  /** `systemctl is-enabled`: enabled, disabled, static, masked… or not-found. */
  enabled: string
  /** `systemctl is-active`: active, inactive, failed, activating… */
  active: string
}

/**
 * `SystemdUnit`: the unit file (when `content` is given) written to the unit directory and
 * loaded with `daemon-reload`, then enabled or disabled and started or stopped as the manifest
 * says. Drift (another content, disabled, stopped) is repaired by Update and ServerSideApply;
 * CreateOnly writes, enables and starts a unit only when its file is missing; ReadOnly only
 * reports. A new content restarts a unit that is to be active.
 */
export class SystemdUnitApplier implements Applier<SystemdUnitManifest> {
  constructor(private readonly settings: SystemdSettings) {}

  async apply(manifest: SystemdUnitManifest, strategy: UpdateStrategy): Promise<ApplyOutcome> {
    try {
      const before = await this.observe(manifest)
      const fileMissing = manifest.content !== undefined && before.sha256 === null
      const leaveAlone = strategy === 'ReadOnly' || (strategy === 'CreateOnly' && !fileMissing)
      const rewrite =
        !leaveAlone && manifest.content !== undefined && before.sha256 !== sha256(manifest.content)
      const steps = leaveAlone ? [] : this.stepsFor(manifest, before, rewrite)
      if (rewrite && manifest.content !== undefined) await this.writeUnit(manifest, manifest.content)
      for (const step of steps) await mustRun(this.settings.systemctl, step, SYSTEMCTL_TIMEOUT_MS)
      const after = steps.length > 0 ? await this.observe(manifest) : before
      return this.outcome(manifest, after, steps, strategy)
    } catch (error) {
      return failed(errorMessage(error), { name: manifest.name })
    }
  }

  /** Stopped, disabled, and its file removed when the agent wrote it. */
  async remove(manifest: SystemdUnitManifest) {
    const state = await this.observe(manifest)
    if (state.active === 'active' || state.active === 'activating')
      await mustRun(this.settings.systemctl, ['stop', manifest.name], SYSTEMCTL_TIMEOUT_MS)
    if (state.enabled === 'enabled')
      await mustRun(this.settings.systemctl, ['disable', manifest.name], SYSTEMCTL_TIMEOUT_MS)
    if (manifest.content !== undefined && state.sha256 !== null) {
      await rm(this.unitPath(manifest), { force: true })
      await mustRun(this.settings.systemctl, ['daemon-reload'], SYSTEMCTL_TIMEOUT_MS)
    }
  }

  /** The systemctl calls that bring the unit to the manifest; only what it names is touched. */
  private stepsFor(manifest: SystemdUnitManifest, before: UnitState, rewritten: boolean): string[][] {
    const steps: string[][] = []
    if (rewritten) steps.push(['daemon-reload'])
    const enabled = before.enabled === 'enabled'
    if (manifest.enabled === true && !enabled) steps.push(['enable', manifest.name])
    if (manifest.enabled === false && enabled) steps.push(['disable', manifest.name])
    const active = before.active === 'active'
    if (manifest.active === true && !active) steps.push(['start', manifest.name])
    else if (manifest.active === true && rewritten) steps.push(['restart', manifest.name])
    if (manifest.active === false && active) steps.push(['stop', manifest.name])
    return steps
  }

  private unitPath(manifest: SystemdUnitManifest) {
    return join(this.settings.unitDir, manifest.name)
  }

  private async observe(manifest: SystemdUnitManifest): Promise<UnitState> {
    const content = await readFile(this.unitPath(manifest)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null
      throw error
    })
    const [enabled, active] = await Promise.all([
      runHostCommand(this.settings.systemctl, ['is-enabled', manifest.name], SYSTEMCTL_TIMEOUT_MS),
      runHostCommand(this.settings.systemctl, ['is-active', manifest.name], SYSTEMCTL_TIMEOUT_MS),
    ])
    return {
      sha256: content === null ? null : sha256(content),
      // is-enabled and is-active exit non-zero for disabled and inactive: their word is on stdout.
      enabled: enabled.stdout.trim() || 'not-found',
      active: active.stdout.trim() || 'unknown',
    }
  }

  /** Replaced whole, by a rename: systemd never reads half a unit. */
  private async writeUnit(manifest: SystemdUnitManifest, content: string) {
    await mkdir(this.settings.unitDir, { recursive: true })
    const temp = join(this.settings.unitDir, `.${manifest.name}.sitewire.tmp`)
    await writeFile(temp, content, { mode: 0o644 })
    await rename(temp, this.unitPath(manifest))
  }

  private outcome(
    manifest: SystemdUnitManifest,
    state: UnitState,
    steps: string[][],
    strategy: UpdateStrategy,
  ): ApplyOutcome {
    const found = state.sha256 !== null || state.enabled !== 'not-found'
    const running = state.active === 'active'
    const asWanted = manifest.active === undefined || running === manifest.active
    return {
      applied: found || strategy !== 'ReadOnly',
      changed: steps.length > 0,
      available: found && asWanted,
      degraded: state.active === 'failed',
      ...(found ? {} : { reason: 'NotFound' }),
      message: !found
        ? `${manifest.name} is not installed`
        : steps.length > 0
          ? `ran systemctl ${steps.map((step) => step[0]).join(', ')}; ${manifest.name} is ${state.enabled} and ${state.active}`
          : `${manifest.name} is ${state.enabled} and ${state.active}`,
      observed: {
        name: manifest.name,
        path: this.unitPath(manifest),
        sha256: state.sha256,
        enabled: state.enabled,
        active: state.active,
      },
    }
  }
}
