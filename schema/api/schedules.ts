import * as v from 'valibot'
import { PageQuery, pageOf, Timestamp, TimeZone, Ulid } from '../common'
import { CronExpression, MissedPolicy, ScheduleRun } from '../events/schedule'
import { RequestRunBody } from './runs'

const ScheduleName = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(200))
const At = v.pipe(v.string(), v.isoTimestamp('must be an RFC 3339 timestamp'))

/** The run each fire requests: a run request without `at` (the schedule says when) or `from_step`. */
const RunBody = v.omit(RequestRunBody, ['at', 'from_step'])

/** `POST …/schedules`: a task on a cron expression (in a time zone) or once at a time. */
export const CreateScheduleBody = v.pipe(
  v.strictObject({
    task_id: Ulid,
    /** The task's name unless given. */
    name: v.optional(ScheduleName),
    /** Five fields: minute hour day-of-month month day-of-week. */
    cron: v.optional(CronExpression),
    /** Run once at this time. */
    at: v.optional(At),
    /** The zone `cron` is read in; the site's unless given. */
    timezone: v.optional(TimeZone),
    run: RunBody,
    /** Fire times that passed while the site's object was down: one late run, or none. */
    missed: v.optional(MissedPolicy, 'run_once'),
    paused: v.optional(v.boolean(), false),
  }),
  v.check((body) => (body.cron === undefined) !== (body.at === undefined), 'give either `cron` or `at`'),
)
export type CreateScheduleBody = v.InferOutput<typeof CreateScheduleBody>

/** `PATCH …/schedules/{id}`: any field; `cron` replaces `at` and the other way round. */
export const UpdateScheduleBody = v.pipe(
  v.strictObject({
    task_id: v.optional(Ulid),
    name: v.optional(ScheduleName),
    cron: v.optional(CronExpression),
    at: v.optional(At),
    timezone: v.optional(TimeZone),
    run: v.optional(RunBody),
    missed: v.optional(MissedPolicy),
    paused: v.optional(v.boolean()),
  }),
  v.check((body) => Object.keys(body).length > 0, 'give at least one field to change'),
  v.check((body) => body.cron === undefined || body.at === undefined, 'give `cron` or `at`, not both'),
)
export type UpdateScheduleBody = v.InferOutput<typeof UpdateScheduleBody>

/**
 * A schedule as the API shows it. `status` is `completed` once a one-shot has fired;
 * `next_fire_times` are the next five (one for a one-shot), empty unless active.
 */
export const Schedule = v.object({
  id: Ulid,
  site_id: Ulid,
  task_id: Ulid,
  name: v.string(),
  cron: v.nullable(v.string()),
  at: v.nullable(Timestamp),
  timezone: v.string(),
  run: ScheduleRun,
  missed: MissedPolicy,
  status: v.picklist(['active', 'paused', 'completed']),
  paused: v.boolean(),
  next_fire_times: v.array(Timestamp),
  last_fired_at: v.nullable(Timestamp),
  last_run_id: v.nullable(Ulid),
  /** Why the last fire requested no run, such as no agent matching the target. */
  last_error: v.nullable(v.string()),
  created_at: Timestamp,
  created_by: v.string(),
  updated_at: Timestamp,
})
export type Schedule = v.InferOutput<typeof Schedule>
export const SchedulePage = pageOf(Schedule)

export const ListSchedulesQuery = v.object({
  ...PageQuery.entries,
  cursor: v.optional(Ulid),
  task_id: v.optional(Ulid),
})
export type ListSchedulesQuery = v.InferOutput<typeof ListSchedulesQuery>
