import * as v from 'valibot'
import { Labels, Ulid } from '../common'

/** Which agents a run goes to: every condition given must hold. */
export const Target = v.pipe(
  v.strictObject({
    agent_ids: v.optional(v.pipe(v.array(Ulid), v.minLength(1), v.maxLength(10_000))),
    /** Every label must be present with this value. */
    labels: v.optional(Labels),
    /** Facts: `os.family` such as linux, `arch` such as x86_64, `hostname` exactly. */
    os_family: v.optional(v.pipe(v.string(), v.maxLength(64))),
    arch: v.optional(v.pipe(v.string(), v.maxLength(64))),
    hostname: v.optional(v.pipe(v.string(), v.maxLength(253))),
  }),
  v.check((target) => Object.keys(target).length > 0, 'name agents by id, labels or facts'),
)
export type Target = v.InferOutput<typeof Target>

/** `10` agents, or `25%` of the targets. */
export const CountOrPercent = v.union([
  v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)),
  v.pipe(v.string(), v.regex(/^(100|[1-9]?[0-9])%$/, 'a percentage such as 25%')),
])
export type CountOrPercent = v.InferOutput<typeof CountOrPercent>

/**
 * `parallel`: every agent at once, at most `concurrency` at a time. `rolling`: batches of
 * `batch` agents, the next batch starting when the previous one has finished.
 */
export const Strategy = v.variant('mode', [
  v.strictObject({
    mode: v.literal('parallel'),
    concurrency: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 1000),
  }),
  v.strictObject({ mode: v.literal('rolling'), batch: CountOrPercent }),
])
export type Strategy = v.InferOutput<typeof Strategy>

/**
 * `stop`: no agent starts after the first failure. `budget`: stop once more than `budget`
 * agents failed. `continue`: every agent runs whatever happens.
 */
export const FailurePolicy = v.variant('policy', [
  v.strictObject({ policy: v.literal('stop') }),
  v.strictObject({ policy: v.literal('continue') }),
  v.strictObject({ policy: v.literal('budget'), budget: CountOrPercent }),
])
export type FailurePolicy = v.InferOutput<typeof FailurePolicy>

/** Longest a run may take, 7 days; 6 hours unless given. */
export const MAX_RUN_DEADLINE_SECONDS = 7 * 24 * 3600

export const RunStatus = v.picklist([
  'requested',
  'queued',
  'scheduled',
  'dispatched',
  'collecting',
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
])
export type RunStatus = v.InferOutput<typeof RunStatus>
export const FINISHED_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'skipped']
/** A run in one of these is still going: every status but the finished ones. */
export const WORKING_RUN_STATUSES: readonly RunStatus[] = RunStatus.options.filter(
  (status) => !FINISHED_RUN_STATUSES.includes(status),
)

/** How one step ended on one agent. `lost`: the agent went away and did not come back in time. */
export const StepOutcome = v.picklist(['succeeded', 'failed', 'timed_out', 'cancelled', 'lost', 'error'])
export type StepOutcome = v.InferOutput<typeof StepOutcome>

export const OutputStream = v.picklist(['stdout', 'stderr'])
/** A line of output: when it was read, from which stream. A line longer than 16 KiB is split. */
export const OutputLine = v.object({
  at: v.string(),
  stream: OutputStream,
  text: v.pipe(v.string(), v.maxLength(16 * 1024)),
})
export type OutputLine = v.InferOutput<typeof OutputLine>
