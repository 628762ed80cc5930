import type { StepFinished } from '../../schema/events'
import type { Step } from '../../schema/tasks/steps'
import type { RunAgentRow } from './run-book'

/** Past a step's own timeout, how long the platform waits for the agent's answer. */
export const STEP_GRACE_MS = 30_000
/** How long an agent that went away mid-step may take to come back before its step is lost. */
export const LOST_GRACE_MS = 60_000
/** How long a cancelled step may take to report back before the platform records it cancelled. */
export const CANCEL_GRACE_MS = 30_000
/** A step's timeout when it names none. */
const DEFAULT_TIMEOUT_SECONDS = 3600

/** When the platform stops waiting for a step dispatched at `at` (ms): its timeout, and a grace. */
export const stepDeadline = (step: Pick<Step, 'timeout_seconds'> | undefined, at: number) =>
  at + (step?.timeout_seconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000 + STEP_GRACE_MS

/**
 * Where an agent of a run goes when the attempt the run waits for finishes at `at` (ms): on to
 * the next step, the same step again after its backoff (doubling with each attempt), or an end.
 */
export const afterStep = (
  finished: Pick<StepFinished, 'outcome' | 'index' | 'attempt'>,
  steps: readonly Pick<Step, 'retries'>[],
  cancelRequested: boolean,
  at: number,
): Partial<RunAgentRow> => {
  if (finished.outcome === 'succeeded') {
    if (finished.index + 1 >= steps.length) return { state: 'succeeded' }
    return cancelRequested
      ? { state: 'cancelled' }
      : { state: 'ready', stepIndex: finished.index + 1, attempt: 0 }
  }
  if (finished.outcome === 'cancelled' || cancelRequested) return { state: 'cancelled' }
  const retries = steps[finished.index]?.retries ?? { max: 0, backoff_seconds: 5 }
  if (finished.attempt > retries.max) return { state: 'failed' }
  return { state: 'retrying', dueAt: at + retries.backoff_seconds * 1000 * 2 ** (finished.attempt - 1) }
}
