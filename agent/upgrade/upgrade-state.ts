import * as v from 'valibot'
import { AgentUpgradeFailed } from '../../schema/events/rollout'
import { readJsonFile, writeFileAtomic } from '../state-dir'

/** An upgrade swapped in and not yet confirmed: the new build must connect before `deadline_ms`. */
const PendingUpgrade = v.object({
  rollout_id: v.nullable(v.string()),
  build_id: v.string(),
  version: v.string(),
  from_version: v.string(),
  deadline_ms: v.number(),
})
export type PendingUpgrade = v.InferOutput<typeof PendingUpgrade>

/** A failure the agent still has to report, in the shape it reports it. */
const FailedUpgrade = v.omit(AgentUpgradeFailed, ['agent_id'])
export type FailedUpgrade = v.InferOutput<typeof FailedUpgrade>

const UpgradeState = v.object({
  pending: v.nullable(PendingUpgrade),
  unreported: v.array(FailedUpgrade),
  /** Builds that failed here: sent again, they are refused at once rather than tried again. */
  failed_builds: v.array(v.object({ build_id: v.string(), reason: v.string() })),
})
export type UpgradeState = v.InferOutput<typeof UpgradeState>

const EMPTY: UpgradeState = { pending: null, unreported: [], failed_builds: [] }

/**
 * `upgrade.json`: what survives the restart of an upgrade. The old build writes the pending
 * upgrade before it swaps; the new build clears it once it connected; the supervisor rolls back
 * and records the failure when it does not.
 */
export class UpgradeStateFile {
  constructor(private readonly path: string) {}

  read(): UpgradeState {
    return readJsonFile(this.path, UpgradeState) ?? EMPTY
  }

  update(change: (state: UpgradeState) => UpgradeState): UpgradeState {
    const next = change(this.read())
    writeFileAtomic(this.path, JSON.stringify(next, null, 2), { durable: true })
    return next
  }

  /** Records a failed upgrade: not to try again, and to report unless it was. */
  failed(failure: FailedUpgrade, options: { reported: boolean }): UpgradeState {
    return this.update((state) => ({
      pending: state.pending?.build_id === failure.build_id ? null : state.pending,
      unreported: options.reported ? state.unreported : [...state.unreported, failure],
      failed_builds: [
        ...state.failed_builds.filter((entry) => entry.build_id !== failure.build_id),
        { build_id: failure.build_id, reason: failure.reason },
      ].slice(-20),
    }))
  }
}
