import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, lte, min, sql } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import * as store from '../../schema/db/site-store'
import {
  EventType,
  type LoggedEvent,
  RUN_MOVED_TO,
  type RunRequested,
  type SitewireEventBody,
} from '../../schema/events'
import { type OutputLine, WORKING_RUN_STATUSES } from '../../schema/tasks/run-request'
import type { TaskDefinition } from '../../schema/tasks/task'
import { utf8Length } from '../lib/utf8'
import type { TaskBook } from '../tasks/task-book'
import { afterStep, CANCEL_GRACE_MS, LOST_GRACE_MS, stepDeadline } from './run-agent-rules'

export type RunRow = typeof store.runs.$inferSelect
export type RunAgentRow = typeof store.runAgents.$inferSelect
export type RunStepRow = typeof store.runSteps.$inferSelect

/** Lines of each step attempt kept at its start and at its end, for previews. */
export const PREVIEW_LINES = 20

/** A Durable Object's SQLite binds at most 100 values per statement; a `run_agents` row takes 8. */
const ROWS_PER_INSERT = Math.floor(100 / 8)
const ACTIVE_RUN: store.RunAgentState[] = ['ready', 'active', 'retrying']
const LIVE_ARCHIVE = and(
  isNotNull(store.runs.archive),
  sql`json_extract(${store.runs.archive}, '$.deleted_at') is null`,
)

const textBytes = (lines: readonly OutputLine[]) => {
  let bytes = 0
  for (const line of lines) bytes += utf8Length(line.text)
  return bytes
}

/**
 * The site's tasks and runs as their events left them, kept in the object's SQLite. `apply`
 * runs in the same transaction as the append: these tables never disagree with the log.
 * They record facts only; what happens next is the run decider's.
 */
export class RunBook {
  constructor(
    private readonly db: DrizzleSqliteDODatabase<typeof store>,
    private readonly tasks: TaskBook,
  ) {}

  /** Every event reaching here was validated on its way in: the log holds only valid ones. */
  apply(event: LoggedEvent) {
    const body = { type: event.type, data: event.data } as SitewireEventBody
    const at = Date.parse(event.time)
    switch (body.type) {
      case EventType.runRequested: {
        const request = body.data
        this.db
          .insert(store.runs)
          .values({
            id: request.run_id,
            taskId: request.task_id,
            taskVersion: request.task_version,
            status: 'requested',
            request,
            requestedBy: String(event.actor ?? 'unknown'),
            requestedAt: event.time,
            updatedAt: event.time,
            finishedAt: null,
            reason: null,
            cancelRequested: false,
            archive: null,
            dueAt: Date.parse(request.deadline_at),
          })
          .onConflictDoNothing()
          .run()
        const rows = request.agent_ids.map((agentId, position) => ({
          runId: request.run_id,
          agentId,
          position,
          state: 'waiting' as const,
          stepIndex: request.from_step,
          attempt: 0,
          stepDeadline: null,
          dueAt: null,
        }))
        for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
          this.db
            .insert(store.runAgents)
            .values(rows.slice(i, i + ROWS_PER_INSERT))
            .onConflictDoNothing()
            .run()
        }
        return
      }
      case EventType.runQueued:
      case EventType.runDispatched:
      case EventType.runCollecting:
        return this.setRun(body.data.run_id, { status: RUN_MOVED_TO[body.type], updatedAt: event.time })
      case EventType.runScheduled: {
        const run = this.run(body.data.run_id)
        return this.setRun(body.data.run_id, {
          status: RUN_MOVED_TO[body.type],
          updatedAt: event.time,
          dueAt: run?.request.not_before ? Date.parse(run.request.not_before) : null,
        })
      }
      case EventType.runSkipped:
        return this.finishRun(body.data.run_id, 'skipped', body.data.reason ?? null, event.time)
      case EventType.runCancelRequested:
        this.setRun(body.data.run_id, { cancelRequested: true, updatedAt: event.time })
        this.db
          .update(store.runAgents)
          .set({
            dueAt: sql`min(coalesce(${store.runAgents.dueAt}, ${at + CANCEL_GRACE_MS}), ${at + CANCEL_GRACE_MS})`,
          })
          .where(and(eq(store.runAgents.runId, body.data.run_id), eq(store.runAgents.state, 'active')))
          .run()
        return
      case EventType.runFinished:
        return this.finishRun(body.data.run_id, body.data.status, body.data.reason, event.time)
      case EventType.runArchived:
        return this.setRun(body.data.run_id, { archive: { ...body.data, deleted_at: null } })
      case EventType.runArchiveDeleted: {
        const archive = this.run(body.data.run_id)?.archive
        if (archive) this.setRun(body.data.run_id, { archive: { ...archive, deleted_at: event.time } })
        return
      }
      case EventType.stepDispatched: {
        const { run_id, agent_id, index, attempt } = body.data
        const deadline = stepDeadline(this.definitionOf(run_id)?.steps[index], at)
        this.db
          .update(store.runAgents)
          .set({ state: 'active', stepIndex: index, attempt, stepDeadline: deadline, dueAt: deadline })
          .where(this.agentOf(run_id, agent_id))
          .run()
        this.db
          .insert(store.runSteps)
          .values({
            runId: run_id,
            agentId: agent_id,
            stepIndex: index,
            attempt,
            dispatchedAt: event.time,
            lines: 0,
            bytes: 0,
            head: [],
            tail: [],
          })
          .onConflictDoNothing()
          .run()
        return
      }
      case EventType.stepStarted:
        this.db.update(store.runSteps).set({ startedAt: event.time }).where(this.stepOf(body.data)).run()
        return
      case EventType.stepOutput: {
        const step = this.step(body.data)
        if (!step) return
        const { lines } = body.data
        // Only the lines a preview keeps are copied: a chunk holds up to 10,000.
        const room = PREVIEW_LINES - step.head.length
        const tail =
          lines.length >= PREVIEW_LINES
            ? lines.slice(-PREVIEW_LINES)
            : [...step.tail.slice(lines.length - PREVIEW_LINES), ...lines]
        this.db
          .update(store.runSteps)
          .set({
            lines: step.lines + lines.length,
            bytes: step.bytes + textBytes(lines),
            ...(room > 0 ? { head: [...step.head, ...lines.slice(0, room)] } : {}),
            tail,
          })
          .where(this.stepOf(body.data))
          .run()
        return
      }
      case EventType.stepFinished:
        return this.stepFinished(body.data, event.time, at)
      case EventType.agentDisconnected:
        // A step on an agent that went away is lost unless the agent is back in time.
        this.db
          .update(store.runAgents)
          .set({ dueAt: sql`min(${store.runAgents.dueAt}, ${at + LOST_GRACE_MS})` })
          .where(and(eq(store.runAgents.agentId, body.data.agent_id), eq(store.runAgents.state, 'active')))
          .run()
        return
      case EventType.agentConnected:
        this.db
          .update(store.runAgents)
          .set({ dueAt: store.runAgents.stepDeadline })
          .where(and(eq(store.runAgents.agentId, body.data.agent_id), eq(store.runAgents.state, 'active')))
          .run()
        return
    }
  }

  private stepFinished(
    data: Extract<SitewireEventBody, { type: 'io.sitewire.step.finished' }>['data'],
    time: string,
    at: number,
  ) {
    this.db
      .update(store.runSteps)
      .set({
        outcome: data.outcome,
        exitCode: data.exit_code,
        signal: data.signal,
        message: data.message,
        finishedAt: time,
        durationMs: Math.round(data.duration_ms),
      })
      .where(and(this.stepOf(data), isNull(store.runSteps.outcome)))
      .run()
    const agent = this.runAgent(data.run_id, data.agent_id)
    // Only the attempt the run is waiting for moves it; a late answer to an earlier one is kept as output only.
    if (agent?.state !== 'active' || agent.stepIndex !== data.index || agent.attempt !== data.attempt) return
    const cancelled =
      this.db
        .select({ cancelled: store.runs.cancelRequested })
        .from(store.runs)
        .where(eq(store.runs.id, data.run_id))
        .get()?.cancelled === true
    const next = afterStep(data, this.definitionOf(data.run_id)?.steps ?? [], cancelled, at)
    this.db
      .update(store.runAgents)
      .set({ stepDeadline: null, dueAt: null, ...next })
      .where(this.agentOf(data.run_id, data.agent_id))
      .run()
  }

  private finishRun(runId: string, status: RunRow['status'], reason: string | null, time: string) {
    this.setRun(runId, { status, reason, finishedAt: time, updatedAt: time, dueAt: null })
    this.db
      .update(store.runAgents)
      .set({ state: 'skipped', dueAt: null })
      .where(
        and(
          eq(store.runAgents.runId, runId),
          inArray(store.runAgents.state, ['waiting', 'ready', 'retrying']),
        ),
      )
      .run()
  }

  private setRun(runId: string, set: Partial<RunRow>) {
    this.db.update(store.runs).set(set).where(eq(store.runs.id, runId)).run()
  }

  private agentOf(runId: string, agentId: string) {
    return and(eq(store.runAgents.runId, runId), eq(store.runAgents.agentId, agentId))
  }

  private stepOf(ref: { run_id: string; agent_id: string; index: number; attempt: number }) {
    return and(
      eq(store.runSteps.runId, ref.run_id),
      eq(store.runSteps.agentId, ref.agent_id),
      eq(store.runSteps.stepIndex, ref.index),
      eq(store.runSteps.attempt, ref.attempt),
    )
  }

  // Reads

  definitionOf(runId: string): TaskDefinition | undefined {
    // Only the task's columns: a run's request holds every target id, too big to parse per step.
    const run = this.db
      .select({ taskId: store.runs.taskId, taskVersion: store.runs.taskVersion })
      .from(store.runs)
      .where(eq(store.runs.id, runId))
      .get()
    return run ? this.tasks.definition(run.taskId, run.taskVersion) : undefined
  }

  /** Whether a run's output is archived, without reading the rest of its row: asked for every output chunk. */
  archived(runId: string): boolean {
    return (
      this.db
        .select({ archived: sql<number>`${store.runs.archive} is not null` })
        .from(store.runs)
        .where(eq(store.runs.id, runId))
        .get()?.archived === 1
    )
  }

  /** A run's parameters, without parsing the rest of its request. */
  paramsOf(runId: string): RunRequested['params'] | undefined {
    const row = this.db
      .select({ params: sql<string>`json_extract(${store.runs.request}, '$.params')` })
      .from(store.runs)
      .where(eq(store.runs.id, runId))
      .get()
    return row ? (JSON.parse(row.params) as RunRequested['params']) : undefined
  }

  run(runId: string): RunRow | undefined {
    return this.db.select().from(store.runs).where(eq(store.runs.id, runId)).get()
  }

  runs(filter: { taskId?: string; status?: RunRow['status'] }): RunRow[] {
    return this.db
      .select()
      .from(store.runs)
      .where(
        and(
          filter.taskId ? eq(store.runs.taskId, filter.taskId) : undefined,
          filter.status ? eq(store.runs.status, filter.status) : undefined,
        ),
      )
      .orderBy(desc(store.runs.id))
      .all()
  }

  /** Another run of the task is going, or waits before this one. */
  taskBusy(run: RunRow): boolean {
    return (
      this.db
        .select({ id: store.runs.id })
        .from(store.runs)
        .where(
          and(
            eq(store.runs.taskId, run.taskId),
            sql`${store.runs.id} != ${run.id}`,
            sql`(${store.runs.status} in ('dispatched', 'collecting') or (${store.runs.id} < ${run.id} and ${store.runs.status} in ('requested', 'queued')))`,
          ),
        )
        .limit(1)
        .get() !== undefined
    )
  }

  /** Runs not finished yet, oldest first. */
  workingRuns(): RunRow[] {
    return this.db
      .select()
      .from(store.runs)
      .where(inArray(store.runs.status, [...WORKING_RUN_STATUSES]))
      .orderBy(asc(store.runs.id))
      .all()
  }

  runAgent(runId: string, agentId: string): RunAgentRow | undefined {
    return this.db.select().from(store.runAgents).where(this.agentOf(runId, agentId)).get()
  }

  runAgents(runId: string, states?: store.RunAgentState[], limit?: number): RunAgentRow[] {
    const query = this.db
      .select()
      .from(store.runAgents)
      .where(
        and(eq(store.runAgents.runId, runId), states ? inArray(store.runAgents.state, states) : undefined),
      )
      .orderBy(asc(store.runAgents.position))
    return limit === undefined ? query.all() : query.limit(limit).all()
  }

  /** How many of a run's agents are in each state. */
  counts(runId: string): Record<store.RunAgentState, number> {
    const counts: Record<store.RunAgentState, number> = {
      waiting: 0,
      ready: 0,
      active: 0,
      retrying: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
      skipped: 0,
    }
    const rows = this.db
      .select({ state: store.runAgents.state, count: sql<number>`count(*)` })
      .from(store.runAgents)
      .where(eq(store.runAgents.runId, runId))
      .groupBy(store.runAgents.state)
      .all()
    for (const row of rows) counts[row.state] = row.count
    return counts
  }

  /** Agents of a run whose time to be looked at has come. */
  dueAgents(runId: string, now: number): RunAgentRow[] {
    return this.db
      .select()
      .from(store.runAgents)
      .where(
        and(
          eq(store.runAgents.runId, runId),
          inArray(store.runAgents.state, ['active', 'retrying']),
          isNotNull(store.runAgents.dueAt),
          lte(store.runAgents.dueAt, now),
        ),
      )
      .all()
  }

  /** Steps an agent is in the middle of, to send again when it reconnects. */
  activeStepsOf(agentId: string): RunAgentRow[] {
    return this.db
      .select()
      .from(store.runAgents)
      .where(and(eq(store.runAgents.agentId, agentId), eq(store.runAgents.state, 'active')))
      .all()
  }

  /** Whether an agent is a target of a run: only then may it report on it. */
  targets(runId: string, agentId: string): boolean {
    return this.runAgent(runId, agentId) !== undefined
  }

  steps(runId: string): RunStepRow[] {
    return this.db
      .select()
      .from(store.runSteps)
      .where(eq(store.runSteps.runId, runId))
      .orderBy(asc(store.runSteps.agentId), asc(store.runSteps.stepIndex), asc(store.runSteps.attempt))
      .all()
  }

  step(ref: { run_id: string; agent_id: string; index: number; attempt: number }): RunStepRow | undefined {
    return this.db.select().from(store.runSteps).where(this.stepOf(ref)).get()
  }

  /** Runs that ended and whose output is not archived yet, oldest first. */
  unarchivedRuns(): RunRow[] {
    return this.db
      .select()
      .from(store.runs)
      .where(and(isNotNull(store.runs.finishedAt), isNull(store.runs.archive)))
      .orderBy(asc(store.runs.id))
      .all()
  }

  /** Runs finished before `before` whose archive is still in R2. */
  expiredArchives(before: string): RunRow[] {
    return this.db
      .select()
      .from(store.runs)
      .where(and(lt(store.runs.finishedAt, before), LIVE_ARCHIVE))
      .orderBy(asc(store.runs.finishedAt))
      .all()
  }

  /** When the run finished whose archive in R2 is the oldest, if any. */
  oldestArchive(): string | undefined {
    return (
      this.db
        .select({ at: min(store.runs.finishedAt) })
        .from(store.runs)
        .where(LIVE_ARCHIVE)
        .get()?.at ?? undefined
    )
  }

  /** The earliest time (ms) anything in a working run is due, if any. */
  nextDue(): number | undefined {
    const agents = this.db
      .select({ at: min(store.runAgents.dueAt) })
      .from(store.runAgents)
      .where(inArray(store.runAgents.state, ACTIVE_RUN))
      .get()?.at
    const runs = this.db
      .select({ at: min(store.runs.dueAt) })
      .from(store.runs)
      .where(inArray(store.runs.status, [...WORKING_RUN_STATUSES]))
      .get()?.at
    const times = [agents, runs].filter((t): t is number => typeof t === 'number')
    return times.length > 0 ? Math.min(...times) : undefined
  }
}
