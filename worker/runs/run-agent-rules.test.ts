import { describe, expect, it } from 'vitest'
import { afterStep, STEP_GRACE_MS, stepDeadline } from './run-agent-rules'

/**
 * Where a run's agent goes when a step attempt finishes: given the task's steps and whether
 * the run was cancelled, when the attempt ends with an outcome, then the agent's next state.
 */
const AT = Date.parse('2026-06-01T12:00:00Z')
const twoSteps = [{ retries: { max: 0, backoff_seconds: 5 } }, { retries: { max: 2, backoff_seconds: 10 } }]
const finished = (
  outcome: 'succeeded' | 'failed' | 'timed_out' | 'cancelled' | 'lost' | 'error',
  index = 0,
  attempt = 1,
) => ({
  outcome,
  index,
  attempt,
})

describe('a finished step attempt', () => {
  it('moves a success on to the next step, from its first attempt', () => {
    expect(afterStep(finished('succeeded', 0), twoSteps, false, AT)).toEqual({
      state: 'ready',
      stepIndex: 1,
      attempt: 0,
    })
  })

  it('ends the agent succeeded after its last step', () => {
    expect(afterStep(finished('succeeded', 1, 3), twoSteps, false, AT)).toEqual({ state: 'succeeded' })
  })

  it('starts no next step once the run is cancelled, but keeps a success of the last one', () => {
    expect(afterStep(finished('succeeded', 0), twoSteps, true, AT)).toEqual({ state: 'cancelled' })
    expect(afterStep(finished('succeeded', 1), twoSteps, true, AT)).toEqual({ state: 'succeeded' })
  })

  it('retries a failure while attempts are left, the backoff doubling with each attempt', () => {
    expect(afterStep(finished('failed', 1, 1), twoSteps, false, AT)).toEqual({
      state: 'retrying',
      dueAt: AT + 10_000,
    })
    expect(afterStep(finished('timed_out', 1, 2), twoSteps, false, AT)).toEqual({
      state: 'retrying',
      dueAt: AT + 20_000,
    })
    expect(afterStep(finished('lost', 1, 3), twoSteps, false, AT)).toEqual({ state: 'failed' })
  })

  it('fails at once a step without retries', () => {
    expect(afterStep(finished('error', 0), twoSteps, false, AT)).toEqual({ state: 'failed' })
  })

  it('retries nothing once cancelled, and ends a cancelled attempt cancelled', () => {
    expect(afterStep(finished('failed', 1, 1), twoSteps, true, AT)).toEqual({ state: 'cancelled' })
    expect(afterStep(finished('cancelled', 1, 1), twoSteps, false, AT)).toEqual({ state: 'cancelled' })
  })
})

describe("a step's deadline", () => {
  it('is its timeout and a grace after its dispatch, or an hour when it names none', () => {
    expect(stepDeadline({ timeout_seconds: 60 }, AT)).toBe(AT + 60_000 + STEP_GRACE_MS)
    expect(stepDeadline(undefined, AT)).toBe(AT + 3_600_000 + STEP_GRACE_MS)
  })
})
