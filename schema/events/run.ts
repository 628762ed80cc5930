import * as v from 'valibot'
import { Timestamp, Ulid } from '../common'
import { FailurePolicy, OutputLine, type RunStatus, StepOutcome, Strategy } from '../tasks/run-request'
import { Sha256 } from '../tasks/steps'
import { ParamValues } from '../tasks/task'

const Index = v.pipe(v.number(), v.integer(), v.minValue(0))
const Attempt = v.pipe(v.number(), v.integer(), v.minValue(1))

/** What started a run. */
export const RunTrigger = v.variant('kind', [
  v.object({ kind: v.literal('api') }),
  v.object({ kind: v.literal('schedule'), schedule_id: Ulid, fire_at: Timestamp }),
  v.object({ kind: v.literal('rerun'), run_id: Ulid }),
  /** Started by a rule on an alert's transition: the lineage from the delivery to the run. */
  v.object({
    kind: v.literal('rule'),
    rule_id: Ulid,
    rule_version: v.pipe(v.number(), v.integer(), v.minValue(1)),
    alert_id: Ulid,
    episode: v.pipe(v.number(), v.integer(), v.minValue(1)),
    delivery_id: v.nullable(Ulid),
  }),
  /** Asked for in chat: who asked, as the chat app knows them (the run's actor is their Sitewire user). */
  v.object({
    kind: v.literal('chatops'),
    app: v.literal('slack'),
    team_id: v.pipe(v.string(), v.maxLength(64)),
    user_id: v.pipe(v.string(), v.maxLength(64)),
  }),
])
export type RunTrigger = v.InferOutput<typeof RunTrigger>

/** Data of `io.sitewire.run.requested`: the run as it will go, its targets resolved. */
export const RunRequested = v.object({
  run_id: Ulid,
  task_id: Ulid,
  task_version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  params: ParamValues,
  agent_ids: v.array(Ulid),
  /** The first step each agent runs (a re-run may start later). */
  from_step: Index,
  strategy: Strategy,
  failure: FailurePolicy,
  deadline_at: Timestamp,
  /** Not dispatched before this time. */
  not_before: v.nullable(Timestamp),
  trigger: RunTrigger,
})
export type RunRequested = v.InferOutput<typeof RunRequested>

/** Data of the run's state changes: `queued`, `scheduled`, `dispatched`, `collecting`, `skipped`. */
/** The status each of the events that move a run along leaves it in; one answer for every fold of runs. */
export const RUN_MOVED_TO = {
  'io.sitewire.run.queued': 'queued',
  'io.sitewire.run.scheduled': 'scheduled',
  'io.sitewire.run.dispatched': 'dispatched',
  'io.sitewire.run.collecting': 'collecting',
} as const satisfies Record<string, RunStatus>

export const RunMoved = v.object({ run_id: Ulid, reason: v.optional(v.pipe(v.string(), v.maxLength(500))) })
export type RunMoved = v.InferOutput<typeof RunMoved>

export const RunCancelRequested = v.object({ run_id: Ulid })

/** Data of `io.sitewire.run.finished`. */
export const RunFinished = v.object({
  run_id: Ulid,
  status: v.picklist(['succeeded', 'failed', 'cancelled']),
  reason: v.nullable(v.pipe(v.string(), v.maxLength(500))),
  agents: v.object({
    succeeded: v.number(),
    failed: v.number(),
    not_started: v.number(),
  }),
})
export type RunFinished = v.InferOutput<typeof RunFinished>

/** Data of `io.sitewire.run.archived`: the run's logs are packed in R2; its output events are gone. */
export const RunArchived = v.object({
  run_id: Ulid,
  key: v.string(),
  bytes: v.number(),
  sha256: Sha256,
  lines: v.number(),
  pruned_events: v.number(),
})
export type RunArchived = v.InferOutput<typeof RunArchived>

/** Data of `io.sitewire.run.archive_deleted`: the site's retention removed the run's archive from R2. */
export const RunArchiveDeleted = v.object({ run_id: Ulid, key: v.string() })
export type RunArchiveDeleted = v.InferOutput<typeof RunArchiveDeleted>

const StepRef = { run_id: Ulid, agent_id: Ulid, index: Index, attempt: Attempt }

/** Data of `io.sitewire.step.dispatched` (platform) and `io.sitewire.step.started` (agent). */
export const StepDispatched = v.object(StepRef)
export const StepStarted = v.object({ ...StepRef, pid: v.nullable(v.number()) })
export type StepStarted = v.InferOutput<typeof StepStarted>

/** Data of `io.sitewire.step.output`: a chunk of lines, numbered from 0 per attempt. */
/** The most lines one output chunk holds. */
export const MAX_CHUNK_LINES = 10_000

export const StepOutput = v.object({
  ...StepRef,
  chunk: v.pipe(v.number(), v.integer(), v.minValue(0)),
  lines: v.pipe(v.array(OutputLine), v.minLength(1), v.maxLength(MAX_CHUNK_LINES)),
})
export type StepOutput = v.InferOutput<typeof StepOutput>

/** Data of `io.sitewire.step.finished`, from the agent, or from the platform when it gave up on one. */
export const StepFinished = v.object({
  ...StepRef,
  outcome: StepOutcome,
  exit_code: v.nullable(v.pipe(v.number(), v.integer())),
  signal: v.nullable(v.pipe(v.string(), v.maxLength(32))),
  duration_ms: v.pipe(v.number(), v.minValue(0)),
  message: v.nullable(v.pipe(v.string(), v.maxLength(2000))),
  /** A fetched file, stored in R2. */
  file: v.optional(v.object({ sha256: Sha256, bytes: v.number() })),
})
export type StepFinished = v.InferOutput<typeof StepFinished>
