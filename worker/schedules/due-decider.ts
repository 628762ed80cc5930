import type { MissedPolicy } from '../../schema/events/schedule'
import { dueTimes, type When } from './fire-times'

/**
 * How late a fire may be and still count as on time. Alarms can be a little late; past this,
 * the object was down (or busy) when the schedule should have fired.
 */
export const LATE_AFTER_MS = 60_000

/** What to do about a schedule at `now`: record fire times as missed, request a run, both, or nothing. */
export interface DueDecision {
  missed?: { fireAt: number; count: number }
  /** The run to request for `fireAt`; `missed` fire times before it are covered by it. */
  fire?: { fireAt: number; missed: number }
}

/**
 * Decides what a schedule whose next fire time is `nextFireAt` does at `now`. A fire on time
 * runs. Fire times that passed while the object was down follow the schedule's policy:
 * `run_once` requests one run for all of them (at the latest), `skip` records them as missed
 * and runs only a latest fire that is still on time.
 */
export const decideDue = (
  schedule: When & { missed: MissedPolicy },
  nextFireAt: number,
  now: number,
): DueDecision => {
  const due = dueTimes(schedule, nextFireAt, now)
  if (!due) return {}
  const onTime = now - due.latest <= LATE_AFTER_MS
  const missed = onTime ? due.count - 1 : due.count
  if (schedule.missed === 'run_once') return { fire: { fireAt: due.latest, missed } }
  const lastMissed = onTime ? due.previous : due.latest
  return {
    ...(missed > 0 && lastMissed !== undefined ? { missed: { fireAt: lastMissed, count: missed } } : {}),
    ...(onTime ? { fire: { fireAt: due.latest, missed: 0 } } : {}),
  }
}
