import { and, eq, inArray, isNull, sql } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import * as store from '../../schema/db/site-store'
import { EventType, type LoggedEvent, RUN_MOVED_TO, type SitewireEventBody } from '../../schema/events'
import type { OutputLine } from '../../schema/tasks/run-request'
import { loggedBody } from '../lib/logged-body'
import { updateRow } from '../lib/update-row'
import { utf8Length } from '../lib/utf8'
import { afterStep, CANCEL_GRACE_MS, LOST_GRACE_MS, stepDeadline } from './run-agent-rules'
import { PREVIEW_LINES, type RunBook, type RunRow } from './run-book'
import { runAgentWhere, runStepWhere } from './run-lookups'

/** A Durable Object's SQLite binds at most 100 values per statement; a `run_agents` row takes 8. */
const ROWS_PER_INSERT = Math.floor(100 / 8)

const textBytes = (lines: readonly OutputLine[]) => {
  let bytes = 0
  for (const line of lines) bytes += utf8Length(line.text)
  return bytes
}

/**
 * Folds run and step events into the run tables of the object's SQLite, in the same
 * transaction as the append: these tables never disagree with the log. They record facts,
 * and what the pure rules (`run-agent-rules`) say a fact leads to; what happens next is the
 * run decider's.
 */
export class RunFold {
  constructor(
    private readonly db: DrizzleSqliteDODatabase<typeof store>,
    private readonly book: RunBook,
  ) {}

  /** Every event reaching here was validated on its way in: the log holds only valid ones. */
  apply(event: LoggedEvent) {
    const body = loggedBody(event)
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
        const run = this.book.run(body.data.run_id)
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
        const archive = this.book.run(body.data.run_id)?.archive
        if (archive) this.setRun(body.data.run_id, { archive: { ...archive, deleted_at: event.time } })
        return
      }
      case EventType.stepDispatched: {
        const { run_id, agent_id, index, attempt } = body.data
        const deadline = stepDeadline(this.book.definitionOf(run_id)?.steps[index], at)
        this.db
          .update(store.runAgents)
          .set({ state: 'active', stepIndex: index, attempt, stepDeadline: deadline, dueAt: deadline })
          .where(runAgentWhere(run_id, agent_id))
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
        this.db.update(store.runSteps).set({ startedAt: event.time }).where(runStepWhere(body.data)).run()
        return
      case EventType.stepOutput: {
        const step = this.book.step(body.data)
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
          .where(runStepWhere(body.data))
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
      .where(and(runStepWhere(data), isNull(store.runSteps.outcome)))
      .run()
    const agent = this.book.runAgent(data.run_id, data.agent_id)
    // Only the attempt the run is waiting for moves it; a late answer to an earlier one is kept as output only.
    if (agent?.state !== 'active' || agent.stepIndex !== data.index || agent.attempt !== data.attempt) return
    const cancelled =
      this.db
        .select({ cancelled: store.runs.cancelRequested })
        .from(store.runs)
        .where(eq(store.runs.id, data.run_id))
        .get()?.cancelled === true
    const next = afterStep(data, this.book.definitionOf(data.run_id)?.steps ?? [], cancelled, at)
    this.db
      .update(store.runAgents)
      .set({ stepDeadline: null, dueAt: null, ...next })
      .where(runAgentWhere(data.run_id, data.agent_id))
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
    updateRow(this.db, store.runs, runId, set)
  }
}
