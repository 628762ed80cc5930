import { Cron } from 'croner'
import * as v from 'valibot'
import { Timestamp, TimeZone, Ulid } from '../common'
import { FailurePolicy, MAX_RUN_DEADLINE_SECONDS, Strategy, Target } from '../tasks/run-request'
import { ParamValues } from '../tasks/task'

/**
 * A cron expression read the classic way: five fields (minute hour day-of-month month
 * day-of-week), day-of-month and day-of-week combined with OR. Every place that reads one
 * builds it here, so validation and fire times never disagree.
 */
export const cronOf = (expression: string, timezone: string) =>
  new Cron(expression, { mode: '5-part', timezone })

const CRON_FIELDS = 'minute hour day-of-month month day-of-week'

/** Why a cron expression is refused, in words a caller can act on; undefined when it is fine. */
export const cronProblem = (expression: string): string | undefined => {
  if (expression.trim().split(/\s+/).length !== 5) return `a cron expression has 5 fields: ${CRON_FIELDS}`
  try {
    // Any zone will do: whether an expression ever matches does not depend on it.
    if (cronOf(expression, 'UTC').nextRun() === null) return 'this cron expression never matches a date'
    return undefined
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return `invalid cron expression: ${message.replace(/^CronPattern:\s*/, '')}`
  }
}

export const CronExpression = v.pipe(
  v.string(),
  v.maxLength(200),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return
    const problem = cronProblem(dataset.value)
    if (problem) addIssue({ message: problem })
  }),
)

/** What fire times that passed while the object was down lead to: one late run for them all, or none. */
export const MissedPolicy = v.picklist(['run_once', 'skip'])
export type MissedPolicy = v.InferOutput<typeof MissedPolicy>

/** The run each fire requests, as `POST …/runs` takes it, defaults applied. */
export const ScheduleRun = v.object({
  params: ParamValues,
  target: Target,
  strategy: Strategy,
  failure: FailurePolicy,
  deadline_seconds: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_RUN_DEADLINE_SECONDS)),
})
export type ScheduleRun = v.InferOutput<typeof ScheduleRun>

/** A schedule as written: a task, when (`cron` in `timezone`, or once `at`), and the run. */
export const ScheduleDefinition = v.object({
  task_id: Ulid,
  name: v.pipe(v.string(), v.maxLength(200)),
  cron: v.nullable(CronExpression),
  at: v.nullable(Timestamp),
  timezone: TimeZone,
  run: ScheduleRun,
  missed: MissedPolicy,
})
export type ScheduleDefinition = v.InferOutput<typeof ScheduleDefinition>

/** Data of `io.sitewire.schedule.created`. */
export const ScheduleCreated = v.object({
  schedule_id: Ulid,
  definition: ScheduleDefinition,
  paused: v.boolean(),
})

/** Data of `io.sitewire.schedule.updated`: the whole new definition. */
export const ScheduleUpdated = v.object({ schedule_id: Ulid, definition: ScheduleDefinition })

/** Data of `io.sitewire.schedule.paused`, `.resumed` and `.deleted`. */
export const ScheduleRef = v.object({ schedule_id: Ulid })

/**
 * Data of `io.sitewire.schedule.fired`: the run requested for `fire_at`, or why none could be
 * (`error`, then `run_id` is null). `missed` counts the fire times before it that the object
 * was down for and that this one late run stands for.
 */
export const ScheduleFired = v.object({
  schedule_id: Ulid,
  fire_at: Timestamp,
  run_id: v.nullable(Ulid),
  missed: v.pipe(v.number(), v.integer(), v.minValue(0)),
  error: v.nullable(v.pipe(v.string(), v.maxLength(500))),
})
export type ScheduleFired = v.InferOutput<typeof ScheduleFired>

/** Data of `io.sitewire.schedule.missed`: `count` fire times up to `fire_at` passed without a run. */
export const ScheduleMissed = v.object({
  schedule_id: Ulid,
  fire_at: Timestamp,
  count: v.pipe(v.number(), v.integer(), v.minValue(1)),
})
export type ScheduleMissed = v.InferOutput<typeof ScheduleMissed>
