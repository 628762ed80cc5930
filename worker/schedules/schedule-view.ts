import type { Schedule } from '../../schema/api/schedules'
import { upcoming } from './fire-times'
import type { ScheduleRow } from './schedule-book'

/** Fire times shown ahead. */
const SHOWN_FIRE_TIMES = 5

export const iso = (ms: number) => new Date(ms).toISOString()

/** A schedule as callers read it, with its next fire times. */
export function scheduleView(row: ScheduleRow, siteId: string): Schedule {
  const { definition } = row
  return {
    id: row.id,
    site_id: siteId,
    task_id: definition.task_id,
    name: definition.name,
    cron: definition.cron,
    at: definition.at,
    timezone: definition.timezone,
    run: definition.run,
    missed: definition.missed,
    status: row.status,
    paused: row.status === 'paused',
    next_fire_times:
      row.nextFireAt === null ? [] : upcoming(definition, row.nextFireAt, SHOWN_FIRE_TIMES).map(iso),
    last_fired_at: row.lastFiredAt,
    last_run_id: row.lastRunId,
    last_error: row.lastError,
    created_at: row.createdAt,
    created_by: row.createdBy,
    updated_at: row.updatedAt,
  }
}
