import type { Condition, FeedbackValues, ManifestStatus } from '../../schema/resources/resource'
import type { ApplyOutcome } from './applier'
import type { Feedback } from './feedback'

type Fresh = Omit<Condition, 'last_transition_time'>

/**
 * The conditions a pass over a resource's manifests leaves. Applied: False with the first
 * failure's reason; True `Applied` when this version was just applied, `DriftRepaired` when
 * the host had drifted from a version already applied; unchanged when nothing had to change.
 */
export const conditionsOf = (
  outcomes: readonly ApplyOutcome[],
  feedback: Feedback,
  at: { version: number; appliedVersion: number | null; previous: readonly Condition[]; now: string },
): Condition[] => {
  const failure = outcomes.find((outcome) => !outcome.applied)
  const changed = outcomes.filter((outcome) => outcome.changed).map((outcome) => outcome.message)
  const previousApplied = at.previous.find((c) => c.type === 'Applied')
  const applied: Fresh = failure
    ? { type: 'Applied', status: 'False', reason: failure.reason ?? 'ApplyFailed', message: failure.message }
    : changed.length > 0 && at.appliedVersion === at.version
      ? {
          type: 'Applied',
          status: 'True',
          reason: 'DriftRepaired',
          message: `${changed.join('; ')} at ${at.now}`,
        }
      : changed.length > 0 || at.appliedVersion !== at.version || previousApplied?.status !== 'True'
        ? { type: 'Applied', status: 'True', reason: 'Applied', message: changed.join('; ') || 'in place' }
        : (previousApplied as Fresh)
  const unavailable = outcomes.find((outcome) => !outcome.available)
  const available: Fresh = unavailable
    ? { type: 'Available', status: 'False', reason: 'Unavailable', message: unavailable.message }
    : { type: 'Available', status: 'True', reason: 'Available', message: '' }
  const synced: Fresh =
    feedback.unsynced.length > 0
      ? {
          type: 'StatusFeedbackSynced',
          status: 'False',
          reason: 'NotScalar',
          message: `not a scalar: ${feedback.unsynced.join(', ')}`,
        }
      : { type: 'StatusFeedbackSynced', status: 'True', reason: 'Synced', message: '' }
  const degraded = outcomes.find((outcome) => outcome.degraded)
  const conditions: Fresh[] = [applied, available, synced]
  if (degraded)
    conditions.push({ type: 'Degraded', status: 'True', reason: 'Degraded', message: degraded.message })
  return conditions.map((condition) => withTransition(condition, at.previous, at.now))
}

/** A condition keeps the time it last changed status. */
const withTransition = (condition: Fresh, previous: readonly Condition[], now: string): Condition => {
  const before = previous.find((c) => c.type === condition.type)
  return {
    ...condition,
    last_transition_time: before && before.status === condition.status ? before.last_transition_time : now,
  }
}

/** Whether two statuses say the same, whenever each was observed. */
export const sameStatus = (a: ComparedStatus, b: ComparedStatus) =>
  JSON.stringify(signature(a)) === JSON.stringify(signature(b))

interface ComparedStatus {
  conditions: readonly Condition[]
  feedback: FeedbackValues
  version: number | null
  manifests?: readonly ManifestStatus[] | undefined
}

const conditionsSignature = (conditions: readonly Condition[]) =>
  conditions.map(({ type, status: s, reason, message }) => ({ type, s, reason, message }))

const signature = (status: ComparedStatus) => ({
  version: status.version,
  feedback: status.feedback,
  conditions: conditionsSignature(status.conditions),
  manifests: status.manifests?.map((manifest) => ({
    identity: manifest.identity,
    feedback: manifest.feedback,
    conditions: conditionsSignature(manifest.conditions),
  })),
})
