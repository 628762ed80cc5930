import type { StepEnd } from '../frames'

/** How a step ended, as the executor of its kind saw it; the runner adds the duration. */
export type StepResult = Omit<StepEnd, 'duration_ms'>

/**
 * Why a step ends early. `stopping`: the agent itself is shutting down, so it ends the
 * steps it runs rather than leave them behind.
 */
export type StopReason = 'timed_out' | 'cancelled' | 'stopping'

/**
 * A step that could not do its job, with the reason for the operator. `error`: the agent
 * could not run it as asked (a missing secret, interpreter or user); `failed`: it ran and
 * did not succeed (a download with the wrong checksum, an endpoint out of reach).
 */
export class StepProblem extends Error {
  constructor(
    readonly outcome: 'error' | 'failed',
    message: string,
  ) {
    super(message)
    this.name = 'StepProblem'
  }
}

/** The result of a step that did not get to run its process, or had none. */
export const resultOf = (outcome: StepResult['outcome'], message: string | null): StepResult => ({
  outcome,
  exit_code: null,
  signal: null,
  message,
})

/** An error's message with its cause, as fetch reports a network failure ("fetch failed: connect ECONNREFUSED …"). */
export const explain = (error: unknown): string => {
  const message = error instanceof Error ? error.message : String(error)
  const cause = (error as { cause?: unknown }).cause
  return cause instanceof Error ? `${message}: ${cause.message}` : message
}
