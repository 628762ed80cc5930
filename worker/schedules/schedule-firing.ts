import { EventType, type SitewireEventBody } from '../../schema/events'
import { ApiError } from '../http/errors'
import { errorMessage, log } from '../lib/log'
import type { RunCommands } from '../runs/run-commands'
import type { SiteKernel } from '../site/feature'
import { decideDue } from './due-decider'
import type { ScheduleBook, ScheduleRow } from './schedule-book'
import { iso } from './schedule-view'

/** When a fire failed on a fault (not a refusal), how long before the alarm tries it again. */
const FAULT_RETRY_MS = 60_000

/**
 * The schedules' side of the alarm: each schedule whose time has come requests its run, or
 * records what it missed, each fire stored through `record` as the schedule's own event.
 */
export class ScheduleFiring {
  /** After a fire failed on a fault, no fire is tried again before this (ms). */
  retryAt = 0

  constructor(
    private readonly kernel: SiteKernel,
    private readonly book: ScheduleBook,
    private readonly runs: Pick<RunCommands, 'requestRun'>,
    private readonly record: (scheduleId: string, actor: string, body: SitewireEventBody) => void,
  ) {}

  /**
   * Fires every schedule whose time has come, then asks for the alarm at the next fire time.
   * An archived site fires nothing: once restored, what it missed follows each policy.
   */
  fireDue() {
    if (this.kernel.site()?.status !== 'active') return
    const now = this.kernel.now()
    let faulted = false
    for (const row of this.book.due(now)) {
      try {
        this.fire(row, now)
      } catch (error) {
        // A fault, not a refusal: the schedule stays due and is tried again later.
        faulted = true
        log('error', 'schedule fire failed', { schedule_id: row.id, error: errorMessage(error) })
      }
    }
    this.retryAt = faulted ? now + FAULT_RETRY_MS : 0
  }

  private fire(due: ScheduleRow, now: number) {
    const actor = `schedule/${due.id}`
    const record = (body: SitewireEventBody) => this.record(due.id, actor, body)
    let row: ScheduleRow | undefined = due
    const unrecorded = this.book.unrecordedRun(due, due.nextFireAt ?? now)
    if (unrecorded) {
      // The run was requested but the object stopped before the fire was recorded: record it, don't run again.
      record({
        type: EventType.scheduleFired,
        data: {
          schedule_id: due.id,
          fire_at: unrecorded.fireAt,
          run_id: unrecorded.runId,
          missed: 0,
          error: null,
        },
      })
      row = this.book.schedule(due.id)
    }
    if (row?.status !== 'active' || row.nextFireAt === null) return
    const decision = decideDue(row.definition, row.nextFireAt, now)
    if (decision.missed) {
      const { fireAt, count } = decision.missed
      record({ type: EventType.scheduleMissed, data: { schedule_id: row.id, fire_at: iso(fireAt), count } })
    }
    if (decision.fire) {
      const fireAt = iso(decision.fire.fireAt)
      const { runId, error } = this.requestRun(row, fireAt)
      record({
        type: EventType.scheduleFired,
        data: { schedule_id: row.id, fire_at: fireAt, run_id: runId, missed: decision.fire.missed, error },
      })
    }
  }

  /** Requests the fire's run; a refusal (no agent matches, the task is gone…) is the fire's error. */
  private requestRun(row: ScheduleRow, fireAt: string): { runId: string | null; error: string | null } {
    const { task_id, run } = row.definition
    try {
      const reply = this.runs.requestRun(task_id, { ...run, from_step: 0 }, `schedule/${row.id}`, undefined, {
        kind: 'schedule',
        schedule_id: row.id,
        fire_at: fireAt,
      })
      return { runId: reply.body.id, error: null }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      return { runId: null, error: `${error.code}: ${error.message}`.slice(0, 500) }
    }
  }
}
