import { and, asc, desc, eq, gt, isNull, lte, min, sql } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import * as store from '../../schema/db/site-store'
import { EventType, type LoggedEvent, type ScheduleDefinition } from '../../schema/events'
import { loggedBody } from '../lib/logged-body'
import { updateRow } from '../lib/update-row'
import { fireAfter, firstFireTime, type When } from './fire-times'

export type ScheduleRow = typeof store.schedules.$inferSelect

/** A schedule waiting from `from` on: its next fire time, and `completed` when there is none. */
const armed = (definition: ScheduleDefinition, from: number) => {
  const nextFireAt = firstFireTime(definition, from)
  return { status: nextFireAt === null ? ('completed' as const) : ('active' as const), nextFireAt }
}

const sameTiming = (a: When, b: When) => a.cron === b.cron && a.at === b.at && a.timezone === b.timezone

/**
 * The site's schedules as their events left them, in the object's SQLite. `apply` runs in
 * the same transaction as the append. Next fire times are derived from the events alone
 * (their data and their time), so replaying the log gives the same table.
 */
export class ScheduleBook {
  constructor(private readonly db: DrizzleSqliteDODatabase<typeof store>) {}

  apply(event: LoggedEvent) {
    const body = loggedBody(event)
    const at = Date.parse(event.time)
    switch (body.type) {
      case EventType.scheduleCreated: {
        const { schedule_id, definition, paused } = body.data
        this.db
          .insert(store.schedules)
          .values({
            id: schedule_id,
            taskId: definition.task_id,
            definition,
            ...(paused ? { status: 'paused', nextFireAt: null } : armed(definition, at)),
            createdAt: event.time,
            createdBy: String(event.actor ?? 'unknown'),
            updatedAt: event.time,
          })
          .onConflictDoNothing()
          .run()
        return
      }
      case EventType.scheduleUpdated: {
        const { schedule_id, definition } = body.data
        const row = this.schedule(schedule_id)
        if (!row) return
        // A new time starts the wait again; any other change leaves the next fire where it was.
        const retimed = !sameTiming(row.definition, definition) && row.status !== 'paused'
        return this.set(schedule_id, {
          definition,
          taskId: definition.task_id,
          updatedAt: event.time,
          ...(retimed ? armed(definition, at) : {}),
        })
      }
      case EventType.schedulePaused:
        return this.set(body.data.schedule_id, { status: 'paused', nextFireAt: null })
      case EventType.scheduleResumed: {
        const row = this.schedule(body.data.schedule_id)
        // Fire times that passed while paused are not missed: a resumed schedule waits for the next.
        if (row) this.set(row.id, armed(row.definition, at))
        return
      }
      case EventType.scheduleDeleted:
        return this.set(body.data.schedule_id, { deletedAt: event.time, nextFireAt: null })
      case EventType.scheduleFired: {
        const { schedule_id, fire_at, run_id, error } = body.data
        const row = this.schedule(schedule_id)
        if (!row) return
        return this.set(schedule_id, {
          lastFiredAt: fire_at,
          lastRunId: run_id ?? row.lastRunId,
          lastError: error,
          ...this.after(row, fire_at),
        })
      }
      case EventType.scheduleMissed: {
        const row = this.schedule(body.data.schedule_id)
        if (row) this.set(row.id, this.after(row, body.data.fire_at))
        return
      }
    }
  }

  /** Where a schedule stands once `fireAt` is dealt with: the fire time after it, or done. */
  private after(row: ScheduleRow, fireAt: string): Partial<ScheduleRow> {
    if (row.status !== 'active') return {}
    const nextFireAt = fireAfter(row.definition, Date.parse(fireAt))
    return { nextFireAt, status: nextFireAt === null ? 'completed' : 'active' }
  }

  private set(scheduleId: string, set: Partial<ScheduleRow>) {
    updateRow(this.db, store.schedules, scheduleId, set)
  }

  // Reads

  /** A schedule, deleted or not. */
  schedule(scheduleId: string): ScheduleRow | undefined {
    return this.db.select().from(store.schedules).where(eq(store.schedules.id, scheduleId)).get()
  }

  /** Schedules not deleted, by id after `cursor`, at most `limit`. */
  list(filter: { cursor?: string; taskId?: string; limit: number }): ScheduleRow[] {
    return this.db
      .select()
      .from(store.schedules)
      .where(
        and(
          isNull(store.schedules.deletedAt),
          filter.cursor ? gt(store.schedules.id, filter.cursor) : undefined,
          filter.taskId ? eq(store.schedules.taskId, filter.taskId) : undefined,
        ),
      )
      .orderBy(asc(store.schedules.id))
      .limit(filter.limit)
      .all()
  }

  /** Active schedules whose next fire time has come, the most overdue first. */
  due(now: number): ScheduleRow[] {
    return this.db
      .select()
      .from(store.schedules)
      .where(and(eq(store.schedules.status, 'active'), lte(store.schedules.nextFireAt, now)))
      .orderBy(asc(store.schedules.nextFireAt))
      .all()
  }

  /** The earliest next fire time (ms) of any active schedule. */
  nextDue(): number | undefined {
    return (
      this.db
        .select({ at: min(store.schedules.nextFireAt) })
        .from(store.schedules)
        .where(eq(store.schedules.status, 'active'))
        .get()?.at ?? undefined
    )
  }

  /**
   * A run this schedule requested for a fire time at or after `from` (ms), which its log
   * does not show as fired yet: the object stopped between requesting the run and recording
   * the fire. Found from the run's trigger, among the runs of the schedule's task.
   */
  unrecordedRun(row: ScheduleRow, from: number): { runId: string; fireAt: string } | undefined {
    const fireAt = sql<string>`json_extract(${store.runs.request}, '$.trigger.fire_at')`
    const found = this.db
      .select({ runId: store.runs.id, fireAt })
      .from(store.runs)
      .where(
        and(
          eq(store.runs.taskId, row.taskId),
          sql`json_extract(${store.runs.request}, '$.trigger.schedule_id') = ${row.id}`,
          sql`${fireAt} >= ${new Date(from).toISOString()}`,
        ),
      )
      .orderBy(desc(store.runs.id))
      .limit(1)
      .get()
    return found ?? undefined
  }
}
