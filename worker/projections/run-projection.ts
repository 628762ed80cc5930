import { and, eq, isNull, lt, sql } from 'drizzle-orm'
import { runSteps, runs, tasks } from '../../schema/db/projections'
import { EventType, RUN_MOVED_TO } from '../../schema/events'
import { type EventProjector, updateOnce } from './projected-event'

/** Milliseconds from the run's first dispatch to `end`; null for a run that never started. */
const runDurationTo = (end: string) =>
  sql<number | null>`cast(round((julianday(${end}) - julianday(${runs.startedAt})) * 86400000) as integer)`

/**
 * The tasks, runs and step attempts of the run history, as the site's run book folds the
 * same events. Each statement applies once: inserts ignore a row that is there, updates
 * need a `last_seq` older than the event's.
 */
export const projectRunEvent: EventProjector = ({ db, siteId, tenantId, event, seq, time, body }) => {
  const step = (ref: { run_id: string; agent_id: string; index: number; attempt: number }) =>
    and(
      eq(runSteps.runId, ref.run_id),
      eq(runSteps.agentId, ref.agent_id),
      eq(runSteps.stepIndex, ref.index),
      eq(runSteps.attempt, ref.attempt),
      lt(runSteps.lastSeq, seq),
    )
  switch (body.type) {
    case EventType.taskCreated:
      return db
        .insert(tasks)
        .values({
          id: body.data.task_id,
          siteId,
          tenantId,
          name: body.data.definition.name,
          version: body.data.version,
          updatedAt: time,
          deletedAt: null,
          lastSeq: seq,
        })
        .onConflictDoNothing()
    case EventType.taskUpdated:
      return updateOnce(db, seq, tasks, body.data.task_id, {
        name: body.data.definition.name,
        version: body.data.version,
        updatedAt: time,
      })
    case EventType.taskDeleted:
      return updateOnce(db, seq, tasks, body.data.task_id, { deletedAt: time, updatedAt: time })
    case EventType.runRequested: {
      const request = body.data
      return db
        .insert(runs)
        .values({
          id: request.run_id,
          siteId,
          tenantId,
          taskId: request.task_id,
          taskVersion: request.task_version,
          // A run is always of its task's latest version, which the `tasks` row names at this point of the log.
          taskName: sql`coalesce((select ${tasks.name} from ${tasks} where ${tasks.id} = ${request.task_id}), '')`,
          status: 'requested',
          reason: null,
          triggerKind: request.trigger.kind,
          trigger: request.trigger,
          requestedBy: String(event.actor ?? 'unknown'),
          requestedAt: time,
          agentsTargeted: request.agent_ids.length,
          lastSeq: seq,
        })
        .onConflictDoNothing()
    }
    case EventType.runQueued:
    case EventType.runScheduled:
    case EventType.runCollecting:
      return updateOnce(db, seq, runs, body.data.run_id, { status: RUN_MOVED_TO[body.type] })
    case EventType.runDispatched:
      return updateOnce(db, seq, runs, body.data.run_id, {
        status: RUN_MOVED_TO[body.type],
        startedAt: sql`coalesce(${runs.startedAt}, ${time})`,
      })
    case EventType.runSkipped:
      return updateOnce(db, seq, runs, body.data.run_id, {
        status: 'skipped',
        reason: body.data.reason ?? null,
        finishedAt: time,
        durationMs: runDurationTo(time),
      })
    case EventType.runFinished:
      return updateOnce(db, seq, runs, body.data.run_id, {
        status: body.data.status,
        reason: body.data.reason,
        finishedAt: time,
        durationMs: runDurationTo(time),
        agentsSucceeded: body.data.agents.succeeded,
        agentsFailed: body.data.agents.failed,
        agentsNotStarted: body.data.agents.not_started,
      })
    case EventType.runArchived:
      return updateOnce(db, seq, runs, body.data.run_id, {
        archiveKey: body.data.key,
        archiveBytes: body.data.bytes,
      })
    case EventType.runArchiveDeleted:
      return updateOnce(db, seq, runs, body.data.run_id, { archiveDeletedAt: time })
    case EventType.stepDispatched: {
      const { run_id, agent_id, index, attempt } = body.data
      // Selected from the run's row, so that each step carries its run's site, tenant and task.
      return db
        .insert(runSteps)
        .select(
          db
            .select({
              runId: runs.id,
              agentId: sql<string>`${agent_id}`.as('agent_id'),
              stepIndex: sql<number>`${index}`.as('step_index'),
              attempt: sql<number>`${attempt}`.as('attempt'),
              siteId: runs.siteId,
              tenantId: runs.tenantId,
              taskId: runs.taskId,
              outcome: sql<null>`null`.as('outcome'),
              exitCode: sql<null>`null`.as('exit_code'),
              signal: sql<null>`null`.as('signal'),
              message: sql<null>`null`.as('message'),
              dispatchedAt: sql<string>`${time}`.as('dispatched_at'),
              startedAt: sql<null>`null`.as('started_at'),
              finishedAt: sql<null>`null`.as('finished_at'),
              durationMs: sql<null>`null`.as('duration_ms'),
              lastSeq: sql<number>`${seq}`.as('last_seq'),
            })
            .from(runs)
            .where(eq(runs.id, run_id)),
        )
        .onConflictDoNothing()
    }
    case EventType.stepStarted:
      return db.update(runSteps).set({ startedAt: time, lastSeq: seq }).where(step(body.data))
    case EventType.stepFinished:
      // The first answer for an attempt is the one kept, as in the run book: a late one changes nothing.
      return db
        .update(runSteps)
        .set({
          outcome: body.data.outcome,
          exitCode: body.data.exit_code,
          signal: body.data.signal,
          message: body.data.message,
          finishedAt: time,
          durationMs: Math.round(body.data.duration_ms),
          lastSeq: seq,
        })
        .where(and(step(body.data), isNull(runSteps.outcome)))
    default:
      return undefined
  }
}
