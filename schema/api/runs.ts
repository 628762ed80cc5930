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
  archive: v.nullable(RunArchived),
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
