import type { DesiredResource } from '../../schema/resources/desired'
import { type Manifest, manifestIdentity } from '../../schema/resources/manifest'
import type { Condition, FeedbackValues, ManifestStatus } from '../../schema/resources/resource'
import { resourceStatusReported, type StatusReport } from '../frames'
import type { Identity } from '../identity'
import { errorMessage, type Logger } from '../log'
import type { Outbox } from '../outbox'
import type { Applier, ApplyOutcome } from './applier'
import { CheckApplier } from './check-applier'
import { CommandApplier } from './command-applier'
import { feedbackOf } from './feedback'
import { directoryApplier, FileApplier, type StoredFiles } from './file-applier'
import { type KeptResource, readKept, writeKept } from './kept-resources'
import { packageApplier } from './package-applier'
import { ProcessApplier } from './process-applier'
import { conditionsOf, sameStatus } from './resource-status'
import { type SystemdSettings, SystemdUnitApplier, systemdSettingsOf } from './systemd-unit-applier'

/** How often resources are checked for drift unless told otherwise. */
export const DEFAULT_RESOURCE_INTERVAL_MS = 30_000

export interface ResourceKeeperDeps {
  identity: Pick<Identity, 'site_id' | 'agent_id'>
  outbox: Pick<Outbox, 'submit'>
  /** `resources.json` in the state directory. */
  path: string
  log: Logger
  intervalMs?: number
  /** The `systemctl` and unit directory of `SystemdUnit`; else systemd's own. */
  systemd?: SystemdSettings
  /** Where `File` resources read files uploaded to the site. */
  storedFiles?: StoredFiles
  /** Appliers by kind, beside the built-in ones. */
  appliers?: Record<string, Applier>
}

const noApplier = (kind: string): ApplyOutcome => ({
  applied: false,
  changed: false,
  available: false,
  reason: 'NoApplier',
  message: `this agent has no applier for kind ${kind}`,
  observed: {},
})

/**
 * Keeps the platform's desired resources true on this host: the set lives on disk, so it is
 * kept across restarts and while the platform is out of reach; each resource is applied when
 * it arrives and checked again on an interval, drift repaired per its update strategy. Each
 * change of a resource's status is one report, spooled through the outbox, so reports made
 * offline reach the platform on reconnect, each once, in order.
 */
export class ResourceKeeper {
  private kept: Record<string, KeptResource>
  private applier: string[] | null
  private readonly appliers: Record<string, Applier>
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false

  constructor(private readonly deps: ResourceKeeperDeps) {
    const file = readKept(deps.path)
    this.kept = file.resources
    this.applier = file.applier
    this.appliers = {
      File: new FileApplier(deps.storedFiles) as Applier,
      Directory: directoryApplier as Applier,
      Process: new ProcessApplier(deps.log, () => void this.reconcile()) as Applier,
      Check: new CheckApplier(deps.log, () => void this.reconcile()) as Applier,
      Package: packageApplier as Applier,
      SystemdUnit: new SystemdUnitApplier(deps.systemd ?? systemdSettingsOf({})) as Applier,
      ...deps.appliers,
    }
  }

  /** The platform's complete desired set: what left it is no longer managed, and stays as it is. */
  desired(resources: readonly DesiredResource[], applier: string[] | null) {
    this.applier = applier
    const next: Record<string, KeptResource> = {}
    for (const desired of resources) {
      const known = this.kept[desired.resource_id]
      // Changed in place: a pass under way goes on counting reports on the same record.
      if (known) known.desired = desired
      next[desired.resource_id] = known ?? {
        desired,
        report: 0,
        applied_version: null,
        conditions: [],
        feedback: {},
        removed: false,
      }
    }
    for (const [id, known] of Object.entries(this.kept))
      if (!next[id])
        for (const manifest of known.desired.spec.manifests) this.applierOf(manifest)?.release?.(manifest)
    this.kept = next
    writeKept(this.deps.path, { resources: this.kept, applier: this.applier })
    void this.reconcile()
  }

  start() {
    this.timer = setInterval(
      () => void this.reconcile(),
      this.deps.intervalMs ?? DEFAULT_RESOURCE_INTERVAL_MS,
    )
    void this.reconcile()
  }

  async stop() {
    clearInterval(this.timer)
    await this.running
    for (const applier of Object.values(this.appliers)) applier.shutdown?.()
  }

  /** One pass over every resource; a pass asked for during one runs right after it. */
  reconcile(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = (async () => {
      do {
        this.again = false
        for (const id of Object.keys(this.kept)) await this.keep(id)
      } while (this.again)
    })().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private async keep(id: string) {
    const kept = this.kept[id]
    if (!kept || kept.removed) return
    try {
      if (kept.desired.deleting) await this.remove(kept)
      else await this.apply(kept)
    } catch (error) {
      this.deps.log.error('resource not kept', { resource_id: id, error: errorMessage(error) })
    }
  }

  private async apply(kept: KeptResource) {
    const { spec, version } = kept.desired
    const outcomes: ApplyOutcome[] = []
    let feedback: FeedbackValues = {}
    const unsynced: string[] = []
    const now = new Date().toISOString()
    const manifests: ManifestStatus[] = []
    for (const [i, manifest] of spec.manifests.entries()) {
      const config = spec.manifest_configs[i] ?? { update_strategy: 'ServerSideApply', feedback_rules: [] }
      const applier = this.applierOf(manifest)
      const outcome = applier
        ? await applier.apply(manifest, config.update_strategy)
        : noApplier(manifest.kind)
      outcomes.push(outcome)
      const fed = feedbackOf(outcome.observed, config.feedback_rules)
      feedback = { ...feedback, ...fed.values }
      unsynced.push(...fed.unsynced)
      manifests.push({
        identity: manifestIdentity(manifest),
        conditions: conditionsOf([outcome], fed, {
          version,
          appliedVersion: kept.applied_version,
          previous: kept.manifests?.[i]?.conditions ?? [],
          now,
        }),
        feedback: fed.values,
      })
    }
    const applied = outcomes.every((outcome) => outcome.applied)
    const conditions = conditionsOf(
      outcomes,
      { values: feedback, unsynced },
      { version, appliedVersion: kept.applied_version, previous: kept.conditions, now },
    )
    const appliedVersion = applied ? version : kept.applied_version
    for (const outcome of outcomes.filter((o) => o.changed))
      this.deps.log.info('resource applied', {
        resource_id: kept.desired.resource_id,
        message: outcome.message,
      })
    this.report(kept, {
      conditions,
      feedback,
      appliedVersion,
      ...(spec.type === 'bundle' ? { manifests } : {}),
    })
  }

  /** Foreground deletion: removed from the host, except what is only observed; then reported gone. */
  private async remove(kept: KeptResource) {
    const { spec } = kept.desired
    for (const [i, manifest] of spec.manifests.entries()) {
      if (spec.manifest_configs[i]?.update_strategy === 'ReadOnly') continue
      await this.applierOf(manifest)?.remove(manifest)
    }
    kept.removed = true
    const now = new Date().toISOString()
    const gone: Condition = {
      type: 'Applied',
      status: 'False',
      reason: 'Deleted',
      message: 'removed from the host',
      last_transition_time: now,
    }
    this.report(kept, {
      conditions: [gone],
      feedback: {},
      appliedVersion: kept.applied_version,
      deleted: true,
    })
  }

  /** Spools a report when the status says something new, and keeps what it said. */
  private report(
    kept: KeptResource,
    status: {
      conditions: Condition[]
      feedback: FeedbackValues
      appliedVersion: number | null
      manifests?: ManifestStatus[]
      deleted?: boolean
    },
  ) {
    const before = {
      conditions: kept.conditions,
      feedback: kept.feedback,
      version: kept.applied_version,
      manifests: kept.manifests,
    }
    const after = {
      conditions: status.conditions,
      feedback: status.feedback,
      version: status.appliedVersion,
      manifests: status.manifests,
    }
    if (!status.deleted && kept.report > 0 && sameStatus(before, after)) return
    kept.report += 1
    kept.conditions = status.conditions
    kept.feedback = status.feedback
    kept.applied_version = status.appliedVersion
    kept.manifests = status.manifests
    const report: StatusReport = {
      resource_id: kept.desired.resource_id,
      report: kept.report,
      observed_version: status.appliedVersion ?? 0,
      conditions: status.conditions,
      feedback: status.feedback,
      ...(status.manifests ? { manifests: status.manifests } : {}),
      deleted: status.deleted ?? false,
    }
    // Written before it is spooled: a crash in between skips a number, never repeats one.
    writeKept(this.deps.path, { resources: this.kept, applier: this.applier })
    this.deps.outbox.submit(resourceStatusReported(this.deps.identity, report))
  }

  private applierOf(manifest: Manifest): Applier | undefined {
    return this.appliers[manifest.kind] ?? (this.applier ? new CommandApplier(this.applier) : undefined)
  }
}
