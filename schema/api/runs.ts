import * as v from 'valibot'
import { Labels, PageQuery, pageOf, Timestamp, Ulid } from '../common'
import { RunArchived, RunTrigger } from '../events/run'
import {
  FailurePolicy,
  MAX_RUN_DEADLINE_SECONDS,
  OutputLine,
  RunStatus,
  StepOutcome,
  Strategy,
  Target,
} from '../tasks/run-request'
import { ParamValues } from '../tasks/task'

/** `POST …/tasks/{taskId}/runs`. */
export const RequestRunBody = v.strictObject({
  params: v.optional(ParamValues, {}),
  target: Target,
  strategy: v.optional(Strategy, { mode: 'parallel', concurrency: 1000 }),
  failure: v.optional(FailurePolicy, { policy: 'continue' }),
  deadline_seconds: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_RUN_DEADLINE_SECONDS)),
    6 * 3600,
  ),
  /** Run at this time rather than now. */
  at: v.optional(v.pipe(v.string(), v.isoTimestamp('must be an RFC 3339 timestamp'))),
  /** Start each agent at this step (0-based). */
  from_step: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
})
export type RequestRunBody = v.InferOutput<typeof RequestRunBody>

/** `POST …/runs/{runId}/rerun`: again, on the agents that did not succeed, or all, from a step. */
export const RerunBody = v.optional(
  v.strictObject({
    agents: v.optional(v.picklist(['failed', 'all']), 'failed'),
    from_step: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  }),
  {},
)
export type RerunBody = v.InferOutput<typeof RerunBody>

export const PreviewTargetsBody = v.strictObject({ target: Target })
export const TargetPreview = v.object({
  count: v.number(),
  items: v.array(
    v.object({ id: Ulid, hostname: v.string(), presence: v.picklist(['online', 'offline']), labels: Labels }),
  ),
})
export type TargetPreview = v.InferOutput<typeof TargetPreview>

const Counts = v.object({
  waiting: v.number(),
  running: v.number(),
  succeeded: v.number(),
  failed: v.number(),
  cancelled: v.number(),
  skipped: v.number(),
})

/** A run's log archive in R2; `deleted_at` once the site's retention removed it. */
export const RunArchive = v.object({ ...RunArchived.entries, deleted_at: v.nullable(Timestamp) })
export type RunArchive = v.InferOutput<typeof RunArchive>

export const Run = v.object({
  id: Ulid,
  site_id: Ulid,
  task_id: Ulid,
  task_version: v.number(),
  task_name: v.string(),
  status: RunStatus,
  reason: v.nullable(v.string()),
  params: ParamValues,
  strategy: Strategy,
  failure: FailurePolicy,
  trigger: RunTrigger,
  requested_by: v.string(),
  requested_at: Timestamp,
  updated_at: Timestamp,
  finished_at: v.nullable(Timestamp),
  deadline_at: Timestamp,
  not_before: v.nullable(Timestamp),
  cancel_requested: v.boolean(),
  agents: Counts,
  archive: v.nullable(RunArchive),
})
export type Run = v.InferOutput<typeof Run>
export const RunPage = pageOf(Run)

/** One attempt of one step on one agent, with the first and last lines of its output. */
export const RunStep = v.object({
  agent_id: Ulid,
  index: v.number(),
  name: v.string(),
  attempt: v.number(),
  outcome: v.nullable(StepOutcome),
  exit_code: v.nullable(v.number()),
  signal: v.nullable(v.string()),
  message: v.nullable(v.string()),
  dispatched_at: Timestamp,
  started_at: v.nullable(Timestamp),
  finished_at: v.nullable(Timestamp),
  duration_ms: v.nullable(v.number()),
  lines: v.number(),
  bytes: v.number(),
  head: v.array(OutputLine),
  tail: v.array(OutputLine),
})
export type RunStep = v.InferOutput<typeof RunStep>

export const RunDetail = v.object({
  ...Run.entries,
  targets: v.array(v.object({ agent_id: Ulid, state: v.string(), step: v.number(), attempt: v.number() })),
  steps: v.array(RunStep),
})
export type RunDetail = v.InferOutput<typeof RunDetail>

export const ListRunsQuery = v.object({
  ...PageQuery.entries,
  cursor: v.optional(Ulid),
  task_id: v.optional(Ulid),
  status: v.optional(RunStatus),
})
export type ListRunsQuery = v.InferOutput<typeof ListRunsQuery>

export const RunLogsQuery = v.object({
  follow: v.optional(v.picklist(['0', '1', 'true', 'false'])),
  agent_id: v.optional(Ulid),
})

/** A chunk of a step's output, as `GET …/logs` lists it and `?follow=1` streams it. */
export const LogChunk = v.object({
  seq: v.number(),
  agent_id: Ulid,
  index: v.number(),
  attempt: v.number(),
  chunk: v.number(),
  lines: v.array(OutputLine),
})
export type LogChunk = v.InferOutput<typeof LogChunk>

/** One step attempt on one agent in a run's archive, and the file holding its output. */
export const ArchivedAttempt = v.object({
  agent_id: Ulid,
  step: v.number(),
  step_name: v.string(),
  attempt: v.number(),
  outcome: v.nullable(StepOutcome),
  exit_code: v.nullable(v.number()),
  signal: v.nullable(v.string()),
  message: v.nullable(v.string()),
  started_at: v.nullable(v.string()),
  finished_at: v.nullable(v.string()),
  duration_ms: v.nullable(v.number()),
  lines: v.number(),
  bytes: v.number(),
  /** Its path in the archive: one `<time> <stream> <text>` line per output line. */
  file: v.string(),
})
export type ArchivedAttempt = v.InferOutput<typeof ArchivedAttempt>

/** `manifest.json`, the first file of a run's archive. */
export const RunArchiveManifest = v.object({
  format: v.literal(1),
  run_id: Ulid,
  site_id: Ulid,
  task: v.object({ id: Ulid, version: v.number(), name: v.string() }),
  status: RunStatus,
  reason: v.nullable(v.string()),
  params: ParamValues,
  trigger: RunTrigger,
  requested_by: v.string(),
  requested_at: v.string(),
  finished_at: v.string(),
  lines: v.number(),
  bytes: v.number(),
  attempts: v.array(ArchivedAttempt),
})
export type RunArchiveManifest = v.InferOutput<typeof RunArchiveManifest>

/** A time bound of a history search, compared in UTC as the history stores it. */
const TimeBound = v.pipe(
  v.string(),
  v.isoTimestamp('must be an RFC 3339 timestamp'),
  v.transform((time) => new Date(time).toISOString()),
)

/** `GET /v1/runs`: the run history across the caller's sites; `since` (inclusive) and `until` bound the request. */
export const SearchRunsQuery = v.object({
  ...PageQuery.entries,
  cursor: v.optional(Ulid),
  site_id: v.optional(Ulid),
  task_id: v.optional(Ulid),
  /** Runs that sent at least one step to this agent. */
  agent_id: v.optional(Ulid),
  status: v.optional(RunStatus),
  trigger: v.optional(
    v.picklist(['api', 'schedule', 'rerun', 'rule', 'chatops'] satisfies RunTrigger['kind'][]),
  ),
  since: v.optional(TimeBound),
  until: v.optional(TimeBound),
})
export type SearchRunsQuery = v.InferOutput<typeof SearchRunsQuery>

/**
 * A run as the history keeps it. `started_at` is its first dispatch and `duration_ms` runs from
 * there to the end; the agent counts other than `targeted` come with the end.
 */
export const RunRecord = v.object({
  id: Ulid,
  site_id: Ulid,
  task_id: Ulid,
  task_version: v.number(),
  task_name: v.string(),
  status: RunStatus,
  reason: v.nullable(v.string()),
  trigger: RunTrigger,
  requested_by: v.string(),
  requested_at: Timestamp,
  started_at: v.nullable(Timestamp),
  finished_at: v.nullable(Timestamp),
  duration_ms: v.nullable(v.number()),
  agents: v.object({
    targeted: v.number(),
    succeeded: v.nullable(v.number()),
    failed: v.nullable(v.number()),
    not_started: v.nullable(v.number()),
  }),
  /** `deleted_at` once the site's retention removed it from R2. */
  archive: v.nullable(v.object({ key: v.string(), bytes: v.number(), deleted_at: v.nullable(Timestamp) })),
})
export type RunRecord = v.InferOutput<typeof RunRecord>
export const RunRecordPage = pageOf(RunRecord)

/** `GET /v1/runs/steps`: step attempts across the caller's sites; `since` and `until` bound their dispatch. */
export const SearchStepsQuery = v.object({
  ...PageQuery.entries,
  cursor: v.optional(
    v.pipe(
      v.string(),
      v.regex(
        /^[0-9A-HJKMNP-TV-Z]{26}:[0-9A-HJKMNP-TV-Z]{26}:\d{1,4}:\d{1,4}$/,
        'not a cursor from this list',
      ),
    ),
  ),
  site_id: v.optional(Ulid),
  task_id: v.optional(Ulid),
  run_id: v.optional(Ulid),
  agent_id: v.optional(Ulid),
  outcome: v.optional(StepOutcome),
  since: v.optional(TimeBound),
  until: v.optional(TimeBound),
})
export type SearchStepsQuery = v.InferOutput<typeof SearchStepsQuery>

/** One attempt of one step on one agent, as the history keeps it: how it ended, not its output. */
export const StepRecord = v.object({
  run_id: Ulid,
  site_id: Ulid,
  task_id: Ulid,
  agent_id: Ulid,
  index: v.number(),
  attempt: v.number(),
  outcome: v.nullable(StepOutcome),
  exit_code: v.nullable(v.number()),
  signal: v.nullable(v.string()),
  message: v.nullable(v.string()),
  dispatched_at: Timestamp,
  started_at: v.nullable(Timestamp),
  finished_at: v.nullable(Timestamp),
  duration_ms: v.nullable(v.number()),
})
export type StepRecord = v.InferOutput<typeof StepRecord>
export const StepRecordPage = pageOf(StepRecord)
